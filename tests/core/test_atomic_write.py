"""The one atomic-write helper: what a crash, a full disk or a failed write leaves, each writer's special
case, and that no other module renames files."""

from __future__ import annotations

import ast
import hashlib
import os
import random
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest

from briefer.core import atomic_write

REPO = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("BRIEFER_FAULT_SEED", "0")) or random.randrange(1 << 30)


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def umask_027() -> Iterator[int]:
    old = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(old)


# -- crash safety ------------------------------------------------------------------------------------
def version(n: int) -> bytes:
    """Version `n` of a file: a header, about 1 MB that differs per version, and a checksum of both."""
    body = f"version {n}\n".encode() + hashlib.sha256(str(n).encode()).digest() * (30_000 + n % 7 * 1000)
    return body + hashlib.sha256(body).hexdigest().encode()


def version_in(data: bytes) -> int:
    """The version a file holds; -1 when it is not one whole version (a part, or a mix of two)."""
    body, digest = data[:-64], data[-64:]
    if hashlib.sha256(body).hexdigest().encode() != digest or not body.startswith(b"version "):
        return -1
    n = int(body[8 : body.index(b"\n")])
    return n if data == version(n) else -1


CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from briefer.core import atomic_write
from tests.core.test_atomic_write import version
target = Path({target!r})
"""

HALF_WRITTEN = """
with atomic_write.replacing(target) as out:
    new = version(2)
    out.write(new[: len(new) // 2])
    out.flush()
    print("half", flush=True)
    time.sleep(60)
"""

WRITE_LOOP = """
print("ready", flush=True)
for n in range({start}, {start} + 100_000):
    atomic_write.write_bytes(target, version(n))
    print(n, flush=True)
"""


def start_child(target: Path, code: str) -> subprocess.Popen[str]:
    script = CHILD.format(repo=str(REPO), target=str(target)) + code
    return subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    )


def kill_after_line(child: subprocess.Popen[str], expected: str, delay: float = 0.0) -> list[str]:
    """SIGKILL `child` `delay` s after it printed `expected`; every line it printed."""
    assert child.stdout is not None
    first = child.stdout.readline().strip()
    if first != expected:
        child.kill()
        raise AssertionError(f"the writer did not start: {first!r} {child.communicate()[1][-2000:]}")
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    out, err = child.communicate()
    assert child.returncode == -signal.SIGKILL and "Traceback" not in err, err
    return [first, *out.split()]


def test_a_writer_killed_mid_write_leaves_the_old_file_and_the_next_write_removes_its_temporary(
    tmp_path: Path,
) -> None:
    target = tmp_path / "settings.json"
    atomic_write.write_bytes(target, version(1))
    other = tmp_path / ".other.json.host-1.abcdefgh.tmp"  # another file's temporary: never touched
    other.write_bytes(b"someone else's")
    kill_after_line(start_child(target, HALF_WRITTEN), "half")
    assert version_in(target.read_bytes()) == 1
    left = [name for name in temporaries(tmp_path) if name != other.name]
    assert len(left) == 1 and left[0].startswith(".settings.json."), left  # the killed writer's half
    atomic_write.write_bytes(target, version(3))
    assert version_in(target.read_bytes()) == 3
    assert temporaries(tmp_path) == [other.name]


@pytest.mark.timeout(120)
def test_a_writer_killed_at_random_moments_leaves_one_whole_version(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    print(f"random seed: BRIEFER_FAULT_SEED={SEED}")
    target = tmp_path / "snapshot.xml"
    last = 0
    for kill in range(4):
        printed = kill_after_line(
            start_child(target, WRITE_LOOP.format(start=last + 1)), "ready", rng.uniform(0.05, 0.5)
        )
        done = [int(line) for line in printed[1:]]
        reported = done[-1] if done else last
        found = version_in(target.read_bytes()) if target.exists() else 0
        # The version written last, or the one being written when its rename had happened and its
        # report had not: never a part of one, never a mix of two.
        assert found in (reported, reported + 1), (
            f"kill {kill}: found version {found}, last reported {reported}"
        )
        assert len([n for n in temporaries(tmp_path) if n.startswith(".snapshot.xml.")]) <= 1
        last = max(reported, found)
    atomic_write.write_bytes(target, version(last + 1))
    assert version_in(target.read_bytes()) == last + 1
    assert temporaries(tmp_path) == []


def test_a_failure_while_writing_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "report.docx"
    target.write_bytes(b"previous")
    before = target.stat()
    with pytest.raises(RuntimeError, match="python-docx failed"), atomic_write.replacing(target) as out:
        out.write(b"PK half a zip")
        raise RuntimeError("python-docx failed")
    assert target.read_bytes() == b"previous" and target.stat().st_ino == before.st_ino
    assert temporaries(tmp_path) == []


def test_a_full_disk_fails_the_write_and_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in a child: a write past it fails with EFBIG, as on a full disk."""
    target = tmp_path / "accounts.json"
    atomic_write.write_bytes(target, version(1))
    code = (
        "import resource, signal\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))\n"
        "try:\n    atomic_write.write_bytes(target, version(2))\n"
        "except OSError as exc:\n    print(exc.strerror)\n"
    )
    child = start_child(target, code)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0 and out.strip() == "File too large", err
    assert version_in(target.read_bytes()) == 1
    assert temporaries(tmp_path) == []


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: Any) -> None:
    target = tmp_path / "feeds.json"
    target.write_bytes(b"old")

    def refused(source: object, destination: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(PermissionError):
        atomic_write.write_text(target, "new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old" and temporaries(tmp_path) == []


# -- what each writer needs ---------------------------------------------------------------------------
def test_a_new_file_gets_the_umasks_mode_whatever_the_file_it_replaces_had(
    tmp_path: Path, umask_027: int
) -> None:
    """The export, drafts, the import status, recovery notes: what a plainly created file gets."""
    target = tmp_path / "out.docx"
    atomic_write.write_bytes(target, b"first")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    target.chmod(0o600)
    atomic_write.write_bytes(target, b"second")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_private_file_is_0600_from_its_first_byte_to_every_rewrite(tmp_path: Path, umask_027: int) -> None:
    """Credentials metadata, accounts, feeds, saved searches, feed snapshots."""
    target = tmp_path / "credentials.json"
    atomic_write.write_text(target, "{}", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.chmod(0o644)
    with atomic_write.staged(target, mode=0o600) as new:
        assert stat.S_IMODE(new.temporary.stat().st_mode) == 0o600  # never readable by others meanwhile
        new.write(b"{}")
        new.commit()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_keep_mode_keeps_the_replaced_files_mode_and_a_new_file_gets_the_umasks(
    tmp_path: Path, umask_027: int
) -> None:
    """A briefing the user made group-readable stays so after a save."""
    target = tmp_path / "b.briefing"
    atomic_write.write_bytes(target, b"first", keep_mode=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    target.chmod(0o604)
    atomic_write.write_bytes(target, b"second", keep_mode=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o604


def test_a_backup_keeps_the_previous_content_as_a_link_and_leaves_no_staging(tmp_path: Path) -> None:
    target, backup = tmp_path / "b.briefing", tmp_path / "b.briefing.bak"
    atomic_write.write_bytes(target, b"first", backup=backup)
    assert not backup.exists()  # nothing to keep yet
    first = target.stat().st_ino
    atomic_write.write_bytes(target, b"second", backup=backup)
    assert (target.read_bytes(), backup.read_bytes()) == (b"second", b"first")
    assert backup.stat().st_ino == first  # the old file itself: a link, not a copy
    os.unlink(backup)
    os.link(target, backup)  # a write killed after keeping the backup, before its rename
    atomic_write.write_bytes(target, b"third", backup=backup)
    assert (target.read_bytes(), backup.read_bytes()) == (b"third", b"second")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.briefing", "b.briefing.bak"]


def test_a_durable_write_fsyncs_the_file_and_its_folder_an_advisory_one_neither(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The import status is rewritten at every file of an import: it is not worth a disk flush."""
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write.write_text(tmp_path / "saved-searches.json", "{}")
    assert synced == ["file", "folder"]
    synced.clear()
    atomic_write.write_text(tmp_path / "import-status.json", "{}", durable=False)
    assert synced == [] and (tmp_path / "import-status.json").read_text() == "{}"


def test_a_snapshot_can_be_given_a_newer_mtime(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    atomic_write.write_bytes(target, b"<rss/>", mtime_ns=2_000_000_000_123_456_789)
    assert target.stat().st_mtime_ns == 2_000_000_000_123_456_789


def test_python_docx_saves_straight_into_the_stream(tmp_path: Path) -> None:
    target = tmp_path / "memo.docx"
    document = docx.Document()
    document.add_paragraph("Saved through the helper.")
    with atomic_write.replacing(target) as stream:
        document.save(stream)
    assert [p.text for p in docx.Document(str(target)).paragraphs] == ["Saved through the helper."]
    assert temporaries(tmp_path) == []


def test_two_files_replaced_together_and_the_uncommitted_one_removed(tmp_path: Path) -> None:
    """The export: the manifest and the document, or neither."""
    out, manifest = tmp_path / "out.docx", tmp_path / "out.manifest.json"
    with atomic_write.staged(out) as new_out, atomic_write.staged(manifest) as new_manifest:
        new_out.write(b"document")
        new_manifest.write(b"manifest")
        new_manifest.commit()
        new_out.commit()
    assert (out.read_bytes(), manifest.read_bytes()) == (b"document", b"manifest")
    with atomic_write.staged(out) as new_out:
        new_out.write(b"never committed")
    assert out.read_bytes() == b"document" and temporaries(tmp_path) == []


def test_the_temporary_file_is_beside_the_target_even_on_another_file_system(tmp_path: Path) -> None:
    """An export to a folder on another drive: the rename never crosses file systems."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system (/dev/shm) to write to")
    with tempfile.TemporaryDirectory(dir=shm) as folder:
        target = Path(folder) / "out.docx"
        with atomic_write.staged(target) as new:
            assert new.temporary.parent == target.parent
            new.write(b"document")
            new.commit()
        assert target.read_bytes() == b"document" and temporaries(Path(folder)) == []


def test_the_next_write_removes_only_what_dead_writers_of_the_same_file_left(tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead, host = int(child.stdout), atomic_write._HOST
    target = tmp_path / "accounts.json"
    stale = [
        f".accounts.json.{host}-{dead}.abcd_123.tmp",
        ".accounts.json.abcdefgh.tmp",
    ]  # an earlier Briefer's
    kept = [
        f".accounts.json.{host}-{os.getpid()}.abcdefgh.tmp",  # this process's: a write in another thread
        f".accounts.json.{host}-1.abcdefgh.tmp",  # a live process
        f".feeds.json.{host}-{dead}.abcdefgh.tmp",  # another file's
        f".accounts.json.{host}-{dead}.notours.tmp",  # not a name Briefer makes
    ]
    old = time.time() - atomic_write.STALE_AFTER - 60
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"half")
    os.utime(tmp_path / stale[1], (old, old))
    atomic_write.write_text(target, "{}")
    assert temporaries(tmp_path) == sorted(kept)


def test_a_new_directory_replaces_nothing_and_is_removed_on_failure(tmp_path: Path) -> None:
    """The language model's unpacked cache: a whole folder appears at once, or not at all."""
    target = tmp_path / "langid-1"
    with atomic_write.new_directory(target) as staging:
        (staging / "a.npy").write_bytes(b"a")
    assert [p.name for p in target.iterdir()] == ["a.npy"]
    with pytest.raises(OSError), atomic_write.new_directory(target) as staging:  # another process won
        (staging / "a.npy").write_bytes(b"b")
    assert (target / "a.npy").read_bytes() == b"a"
    with pytest.raises(RuntimeError), atomic_write.new_directory(tmp_path / "langid-2") as staging:
        (staging / "a.npy").write_bytes(b"half")
        raise RuntimeError("numpy failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["langid-1"]


LANGUAGE_CHILD = """
import sys
sys.path.insert(0, {repo!r})
from briefer.core.extract import language
print(language.detect("Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen, das die Regeln "
                      "für die Einwanderung von Fachkräften deutlich vereinfachen soll."))
"""


def detect_in_child(cache: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", LANGUAGE_CHILD.format(repo=str(REPO))],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, "BRIEFER_CACHE_DIR": str(cache)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.slow
def test_the_language_models_cache_appears_whole_and_a_rivals_stays(tmp_path: Path) -> None:
    first, rival = tmp_path / "first", tmp_path / "rival"
    assert detect_in_child(first) == "de"
    (model,) = first.iterdir()  # langid-SIZE-MTIME, and no staging folder beside it
    assert sorted(p.name for p in model.iterdir()) == [
        f"{n}.npy" for n in sorted(("ptc", "pc", "classes", "nextmove", "row", "output"))
    ]
    (rival / model.name).mkdir(parents=True)
    (rival / model.name / "ptc.npy").write_bytes(b"another process's, half written")
    assert detect_in_child(rival) == "de"  # unpacked again, in memory; the rival's folder is kept
    assert [p.name for p in rival.iterdir()] == [model.name]
    assert [p.name for p in (rival / model.name).iterdir()] == ["ptc.npy"]


def test_append_adds_whole_lines_to_a_private_file(tmp_path: Path, umask_027: int) -> None:
    """The ledger: appended to with one write per line, never rewritten."""
    ledger = tmp_path / "ledger.jsonl"
    atomic_write.append(ledger, b"one\n")
    first = ledger.stat().st_ino
    atomic_write.append(ledger, b"two\n")
    assert ledger.read_bytes() == b"one\ntwo\n" and ledger.stat().st_ino == first
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600


# -- no other module renames files -----------------------------------------------------------------------
RENAMES = {("os", "replace"), ("os", "rename"), ("os", "renames"), ("shutil", "move")}


def renames_in(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each way `source` could rename a file: os.replace/rename/renames, shutil.move
    (called, imported or referenced), and a Path's .replace(target) or .rename(target).

    A Path's method cannot be told from str.replace by the syntax alone: str.replace takes two
    arguments, a Path's one; `self.replace(x)` is a class's own method (no class here is a Path)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ("os", "shutil"):
            for alias in node.names:
                if (node.module, alias.name) in RENAMES:
                    yield node.lineno, f"from {node.module} import {alias.name}"
        elif isinstance(node, ast.Attribute) and _module_function(node) in RENAMES:
            yield node.lineno, ".".join(_module_function(node))
        elif isinstance(node, ast.Call) and _path_method(node):
            yield node.lineno, f".{_path_method(node)}({ast.unparse(node.args[0]) if node.args else ''})"


def _module_function(node: ast.Attribute) -> tuple[str, str]:
    return (node.value.id if isinstance(node.value, ast.Name) else "", node.attr)


def _path_method(call: ast.Call) -> str:
    """ "replace" or "rename" when `call` may be a Path's (see renames_in), else ""."""
    if not isinstance(call.func, ast.Attribute):
        return ""
    receiver, method = call.func.value, call.func.attr
    if isinstance(receiver, ast.Name) and (receiver.id == "self" or (receiver.id, method) in RENAMES):
        return ""  # a class's own method; os.replace(...) is reported as an attribute
    if isinstance(receiver, ast.Constant):  # "x".replace(...)
        return ""
    if method == "rename" or (method == "replace" and len(call.args) == 1 and not call.keywords):
        return method
    return ""


def test_the_scanner_finds_every_form_of_rename() -> None:
    source = (
        "import os, shutil\nfrom os import replace\n"
        "os.replace(a, b)\nos.rename(a, b)\nshutil.move(a, b)\nPath(a).replace(b)\ntmp.rename(b)\n"
        "swap = os.replace\n"
        "text.replace('a', 'b')\nwhen.replace(tzinfo=UTC)\nself.replace(choose)\n"
    )
    assert sorted(line for line, _ in renames_in(source)) == [2, 3, 4, 5, 6, 7, 8]


def test_no_module_but_the_helper_renames_files() -> None:
    helper = REPO / "briefer" / "core" / "atomic_write.py"
    found = [
        f"{path.relative_to(REPO)}:{line}: {what}"
        for path in sorted((REPO / "briefer").rglob("*.py"))
        if path != helper
        for line, what in sorted(renames_in(path.read_text(encoding="utf-8")))
    ]
    assert found == [], "replace files only through briefer.core.atomic_write:\n" + "\n".join(found)


def test_the_helper_is_what_renames() -> None:
    assert list(renames_in((REPO / "briefer" / "core" / "atomic_write.py").read_text(encoding="utf-8")))
