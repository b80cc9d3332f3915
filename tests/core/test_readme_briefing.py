"""The README's "Briefings and Word export" example runs as written on a new data folder.

The shell commands are read from the README itself and run one by one with bash, `briefer` being
this checkout's command and `BRIEFER_DATA_DIR` a folder that does not exist yet.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.briefing import storage
from briefer.core.briefing.model import excerpts

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SECTION = "## Briefings and Word export"


def section_commands(readme: str, heading: str) -> list[str]:
    """The commands of the first ```sh block under `heading`, continuation lines joined."""
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, f"no ```sh block under {heading!r}"
    joined = re.sub(r"\\\n\s*", "", block.group(1))
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def checked_script(commands: list[str]) -> str:
    """Each command, then a line that stops the script naming the command that failed."""
    lines = ["set -u"]
    for command in commands:
        lines.append(command)
        said = shlex.quote(command)
        lines.append(f'status=$?; if [ $status -ne 0 ]; then echo "FAILED ($status): "{said} >&2; exit 1; fi')
    return "\n".join(lines) + "\n"


@pytest.mark.slow  # a briefer process per README line, about 20 s
def test_the_readme_briefing_example_runs_on_a_new_data_folder(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    commands = section_commands(README.read_text(encoding="utf-8"), SECTION)
    assert commands[0].startswith("briefer index --sample")  # a new data folder is empty: import first

    shims = tmp_path / "bin"
    shims.mkdir()
    shim = shims / "briefer"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m briefer "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    data, work = tmp_path / "new-data-folder", tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{shims}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "BRIEFER_DATA_DIR": str(data),
        "QT_QPA_PLATFORM": "offscreen",
    }
    done = subprocess.run(
        [bash, "-c", checked_script(commands)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{done.stderr}\n{done.stdout}"

    assert (work / "summit.docx").is_file() and (work / "summit.manifest.json").is_file()
    assert "1 quote: 1 verified" in done.stdout  # the last command: verify summit.docx
    [excerpt] = excerpts(storage.load(work / "summit.briefing")).values()
    assert excerpt.quote == "more than one million artillery shells"
    with Archive(data) as archive:  # the example's archive is the new folder, and the excerpt says so
        assert archive.document(excerpt.doc_id) is not None
        assert excerpt.citation.archive == archive.identity
