"""A bulk batch that commits and goes on, then ends without another document, leaves no
sub-writer behind: none waits for work, prints tracebacks or holds the process's exit up."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(180)

# Run in a process of its own: a sub-writer left waiting for a job holds that process's exit up
# (multiprocessing joins its children), and one started as the parent lets go of its queue prints
# FileNotFoundError tracebacks on stderr.
CHILD = textwrap.dedent(
    """
    import multiprocessing, sys
    from pathlib import Path
    from briefer.core.documents import Document
    from briefer.core.search import SearchIndex

    index = SearchIndex(Path(sys.argv[1]))
    count = int(sys.argv[2])
    with index.batch(bulk=True) as batch:
        for n in range(count):
            doc = Document(id=f"d{n}", title=f"Report {n}", text=f"convoy marker{n}", text_hash="")
            batch.put(doc, new=True)
        if count:
            batch.commit_and_continue()  # as an import does every few thousand documents; then none came
    print("documents", index.doc_count())
    print("sub-writers left", len(multiprocessing.active_children()))
    index.close()
    """
)


@pytest.mark.parametrize("documents", [300, 0], ids=["after-a-commit", "no-document-at-all"])
def test_a_bulk_batch_ending_without_a_document_for_its_writer_leaves_no_subwriter(
    tmp_path: Path, documents: int
) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(tmp_path / "index"), str(documents)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the process did not exit: sub-writers held it up\n{exc.stdout!r}")
    assert done.returncode == 0, done.stderr
    assert f"documents {documents}" in done.stdout
    assert "sub-writers left 0" in done.stdout
    assert "Traceback" not in done.stderr, done.stderr
