"""What an import meets on disk cannot hang, exhaust or deceive it (issue #18).

Each test builds its hostile folder in tmp_path (named pipes, sockets, device nodes, links to
/dev/zero and out of the folder, a folder without rights, paths past PATH_MAX, zips with climbing
and colliding member names), runs a real `briefer index --report` with a timeout, and checks the
status of every path met and that nothing from outside the folder became searchable.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import stat
import subprocess
import threading
import time
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefer.core.archive import Archive, files
from tests.conftest import write_article
from tests.core.cli_support import Cli
from tests.fault_support import REPO, briefer_command, without_file_rights

IMPORT_TIMEOUT = 90  # seconds: an import of a few files that takes longer has hung
AS_ROOT = os.geteuid() == 0
MB = 1024 * 1024

Statuses = dict[str, tuple[str, str]]


def import_report(data: Path, *paths: Path, **run: object) -> Statuses:
    """Run `briefer index PATHS --report` in its own process; every path's (status, reason)."""
    report = data.parent / f"{data.name}-report.json"
    result = subprocess.run(  # type: ignore[call-overload]
        briefer_command(data, "index", *map(str, paths), "--report", str(report)),
        capture_output=True, text=True, cwd=REPO, timeout=IMPORT_TIMEOUT, **run,
    )  # fmt: skip
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    rows = json.loads(report.read_text(encoding="utf-8"))["files"]
    statuses = {row["path"]: (row["status"], row["reason"]) for row in rows}
    assert len(statuses) == len(rows), "a path was reported twice"
    return statuses


def searchable(data: Path, word: str) -> bool:
    with Archive(data) as archive:
        return bool(archive.search(word).hits)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    write_article(folder, "summit", "Kim Jong Un met Vladimir Putin at the Vostochny Cosmodrome.")
    return folder


@contextlib.contextmanager
def listening_socket(path: Path) -> Iterator[socket.socket]:
    """A Unix socket listening at `path` for the length of a `with`."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    try:
        yield listener
    finally:
        listener.close()


# -- pipes, sockets, devices ---------------------------------------------------------------------
@pytest.mark.timeout(150)
def test_pipes_sockets_devices_and_links_to_devices_are_skipped_never_read(
    inbox: Path, tmp_path: Path
) -> None:
    os.mkfifo(inbox / "pipe.txt")  # opening it for reading blocks until a writer comes: never
    os.symlink("pipe.txt", inbox / "to-pipe.html")  # a link inside the folder, to the pipe
    os.symlink("/dev/zero", inbox / "zero.txt")  # 6 GB in 4 s, were it read
    os.symlink("/dev/urandom", inbox / "random.pdf")
    expected = {
        "pipe.txt": ("skipped", "not a regular file (named pipe)"),
        "to-pipe.html": ("skipped", "not a regular file (named pipe)"),
        "zero.txt": ("skipped", files.LINK_OUTSIDE),
        "random.pdf": ("skipped", files.LINK_OUTSIDE),
        "s.txt": ("skipped", "not a regular file (socket)"),
        "summit.txt": ("imported", ""),
    }
    try:  # a device node inside the folder itself (root can make one here; elsewhere, left out)
        os.mknod(inbox / "zero-device.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
        expected["zero-device.txt"] = ("skipped", "not a regular file (character device)")
    except OSError:
        pass
    with listening_socket(inbox / "s.txt"):
        statuses = import_report(tmp_path / "data", inbox)
    assert statuses == {str(inbox / name): outcome for name, outcome in expected.items()}
    assert searchable(tmp_path / "data", "cosmodrome")


@pytest.mark.timeout(150)
def test_a_device_or_pipe_named_on_the_command_line_is_skipped_with_its_status(
    inbox: Path, tmp_path: Path
) -> None:
    os.mkfifo(inbox / "pipe.txt")
    os.symlink("/dev/zero", inbox / "zero.txt")  # named by the user: followed, and found a device
    statuses = import_report(tmp_path / "data", inbox / "pipe.txt", inbox / "zero.txt", inbox / "summit.txt")
    assert statuses == {
        str(inbox / "pipe.txt"): ("skipped", "not a regular file (named pipe)"),
        "/dev/zero": ("skipped", "not a regular file (character device)"),
        str(inbox / "summit.txt"): ("imported", ""),
    }


@pytest.mark.timeout(60)
def test_briefer_extract_refuses_a_pipe_and_a_device_and_follows_a_named_link(
    inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(inbox / "pipe.html")
    os.symlink("/dev/zero", inbox / "zero.txt")
    os.symlink("summit.txt", inbox / "link.txt")
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    assert cli("extract", *(str(inbox / name) for name in ("pipe.html", "zero.txt", "link.txt"))) == 1
    assert cli.err.splitlines() == [
        f"briefer: {inbox / 'pipe.html'}: not a regular file (named pipe)",
        f"briefer: {inbox / 'zero.txt'}: not a regular file (character device)",
    ]
    assert "Vostochny" in cli.out


def test_reading_never_opens_more_than_a_regular_file_nor_reads_past_the_limit(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    os.symlink(tmp_path / "article.txt", tmp_path / "link.txt")
    (tmp_path / "article.txt").write_bytes(b"x" * 1000)
    started = time.monotonic()
    with pytest.raises(files.NotRegularFile, match=r"named pipe"):
        files.read_file(tmp_path / "pipe", MB)  # returns at once: no writer is waited for
    with pytest.raises(files.NotRegularFile, match=r"character device"):
        files.read_file(Path("/dev/zero"), MB)
    with pytest.raises(files.NotRegularFile, match=r"symbolic link"):
        files.read_file(tmp_path / "link.txt", MB)  # links are followed by the scan's rule only
    with pytest.raises(files.NotRegularFile, match=r"folder"):
        files.read_file(tmp_path, MB)
    assert time.monotonic() - started < 5
    assert files.read_file(tmp_path / "article.txt", 1000) == b"x" * 1000
    with pytest.raises(files.TooLarge):
        files.read_file(tmp_path / "article.txt", 999)


@pytest.mark.timeout(60)
def test_a_file_that_keeps_growing_is_read_up_to_the_limit_and_no_further(tmp_path: Path) -> None:
    growing = tmp_path / "log.txt"
    growing.write_bytes(b"start\n")
    stop = threading.Event()

    def append() -> None:
        with growing.open("ab") as out:
            while not stop.is_set():
                out.write(b"y" * 65536)
                out.flush()

    writer = threading.Thread(target=append)
    writer.start()
    try:
        time.sleep(0.05)
        with pytest.raises(files.TooLarge, match="more than the 4 MB size limit"):
            files.read_file(growing, 4 * MB)
    finally:
        stop.set()
        writer.join()


@pytest.mark.timeout(120)
def test_a_file_that_grows_after_the_scan_cannot_pass_the_size_limit(archive: Archive, inbox: Path) -> None:
    grows = inbox / "grows.txt"
    grows.write_text("Title: Small at first\n\nA short note.\n", encoding="utf-8")

    def grow_once_scanned(done: int, total: int) -> None:
        if grows.stat().st_size < MB:  # the scan has passed it: now it grows past the limit
            with grows.open("a", encoding="utf-8") as out:
                out.write("zeppelinword filler text\n" * 100_000)

    summary = archive.import_paths([inbox], max_size=MB, progress=grow_once_scanned)
    outcome = {o.path: (o.status, o.reason) for o in summary.outcomes}[str(grows)]
    assert outcome == ("skipped", "too large: grew past the 1 MB size limit while being read")
    assert not archive.search("zeppelinword").hits
    assert archive.search("cosmodrome").hits


# -- links -----------------------------------------------------------------------------------------
@pytest.mark.timeout(200)
def test_links_are_followed_only_to_files_inside_the_folders_being_imported(
    inbox: Path, tmp_path: Path
) -> None:
    private = tmp_path / "private"
    write_article(private, "shadow", "root:zanzibarhash:19000:0:99999:7:::")
    other = tmp_path / "other"
    write_article(other, "sanctions", "Washington announced new sanctions on arms brokers.")
    links = {
        "shadow.txt": (private / "shadow.txt", ("skipped", files.LINK_OUTSIDE)),
        "again.txt": (inbox / "summit.txt", ("duplicate", "")),  # inside: read, and known
        "sanctions.txt": (other / "sanctions.txt", ("duplicate", "")),  # inside another folder imported
        "broken.txt": (tmp_path / "nothing.txt", ("skipped", files.BROKEN_LINK)),
        "loop.txt": (inbox / "loop.txt", ("skipped", files.LINK_LOOP)),
        "up": (inbox.parent, ("skipped", files.LINK_TO_FOLDER)),  # a loop, were it walked
        "here": (Path("."), ("skipped", files.LINK_TO_FOLDER)),
        "private": (private, ("skipped", files.LINK_TO_FOLDER)),
    }
    for name, (target, _) in links.items():
        os.symlink(target, inbox / name)
    data = tmp_path / "data"
    statuses = import_report(data, inbox, other)
    assert statuses == {
        str(inbox / "summit.txt"): ("imported", ""),
        str(other / "sanctions.txt"): ("imported", ""),
        **{str(inbox / name): outcome for name, (_, outcome) in links.items()},
    }
    assert not searchable(data, "zanzibarhash"), "a file outside the folder became searchable"
    # Named on the command line, the link is the user's choice: its file is imported.
    assert import_report(data, inbox / "shadow.txt") == {str(private / "shadow.txt"): ("imported", "")}
    assert searchable(data, "zanzibarhash")


# -- folders that cannot be walked -------------------------------------------------------------------
@pytest.mark.timeout(150)
def test_a_folder_without_rights_is_reported_and_the_rest_imported(inbox: Path, tmp_path: Path) -> None:
    locked = inbox / "locked"
    write_article(locked, "hidden-away", "A zeppelinword report nobody may read.")
    locked.chmod(0)
    try:
        # As root, chmod restricts nothing: the import gives up the capabilities that ignore it.
        rights = {"preexec_fn": without_file_rights} if AS_ROOT else {}
        statuses = import_report(tmp_path / "data", inbox, **rights)
    finally:
        locked.chmod(0o755)
    assert statuses == {
        str(locked): ("failed", "cannot read the folder: Permission denied"),
        str(inbox / "summit.txt"): ("imported", ""),
    }


@pytest.mark.timeout(200)
def test_prune_keeps_the_documents_of_a_folder_it_could_not_read(inbox: Path, tmp_path: Path) -> None:
    """--prune forgets files that are gone; a file in a folder without rights is not gone."""
    locked = inbox / "locked"
    write_article(locked, "kept", "A zeppelinword report from before the rights were taken away.")
    data = tmp_path / "data"
    import_report(data, inbox)
    locked.chmod(0)
    try:
        rights = {"preexec_fn": without_file_rights} if AS_ROOT else {}
        report = data.parent / "pruned.json"
        result = subprocess.run(  # type: ignore[call-overload]
            briefer_command(data, "index", str(inbox), "--prune", "--report", str(report)),
            capture_output=True, text=True, cwd=REPO, timeout=IMPORT_TIMEOUT, **rights,
        )  # fmt: skip
    finally:
        locked.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert json.loads(report.read_text(encoding="utf-8"))["summary"]["pruned"] == 0
    assert searchable(data, "zeppelinword")


def _nested(top: Path, names: list[str]) -> int:
    """Make folders `names` one inside the other under `top`, past what a path can name; an open fd
    of the last (the caller closes it)."""
    fd = os.open(top, os.O_RDONLY)
    for name in names:
        os.mkdir(name, dir_fd=fd)
        inner = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    return fd


def _write_at(fd: int, name: str, text: str) -> None:
    out = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(out, text.encode())
    os.close(out)


@pytest.mark.timeout(150)
def test_paths_longer_than_the_system_allows_are_reported(inbox: Path, tmp_path: Path) -> None:
    names: list[str] = []
    deep = inbox
    while len(os.fsencode(deep)) + 201 < files.MAX_PATH_BYTES - 20:
        names.append(f"{len(names):02}" + "d" * 198)
        deep = deep / names[-1]
    fd = _nested(inbox, names)
    try:
        room = files.MAX_PATH_BYTES - len(os.fsencode(deep))  # 20 to 221 bytes left
        _write_at(fd, "deep.txt", "Title: Deep\n\nA deepword report, deep down.\n")
        _write_at(fd, "f" * room + ".txt", "Title: Too deep\n\nA zeppelinword report.\n")
        os.mkdir("s" * room, dir_fd=fd)
        inner = os.open("s" * room, os.O_RDONLY, dir_fd=fd)
        _write_at(inner, "x.txt", "Title: Deeper\n\nAnother zeppelinword report.\n")
        os.close(inner)
    finally:
        os.close(fd)
    data = tmp_path / "data"
    statuses = import_report(data, inbox)
    assert statuses == {
        str(inbox / "summit.txt"): ("imported", ""),
        str(deep / "deep.txt"): ("imported", ""),
        str(deep / ("f" * room + ".txt")): ("skipped", files.PATH_TOO_LONG),
        str(deep / ("s" * room)): ("skipped", files.PATH_TOO_LONG),
    }
    assert searchable(data, "deepword") and not searchable(data, "zeppelinword")


@pytest.mark.timeout(150)
def test_every_path_is_reported_once_however_the_folders_are_named(inbox: Path, tmp_path: Path) -> None:
    write_article(inbox / "sub", "sanctions", "Washington announced new sanctions on arms brokers.")
    sub = inbox / "sub"
    statuses = import_report(
        tmp_path / "data", inbox, sub, inbox, sub / "sanctions.txt", inbox / "summit.txt"
    )  # a file, a folder inside another, each named twice
    assert statuses == {
        str(inbox / "summit.txt"): ("imported", ""),
        str(sub / "sanctions.txt"): ("imported", ""),
    }


@pytest.mark.timeout(150)
def test_names_that_are_not_utf8_are_reported_and_the_rest_imported(inbox: Path, tmp_path: Path) -> None:
    """A file name with bytes that are not UTF-8 (a Latin-1 name copied from an old disk) stopped the
    whole import: the catalog, and the report, cannot hold it."""
    raw = os.fsencode(inbox)
    with open(raw + b"/caf\xe9.txt", "wb") as out:
        out.write(b"Title: Cafe\n\nA zeppelinword report.\n")
    os.mkdir(raw + b"/r\xe9sum\xe9s")
    with open(raw + b"/r\xe9sum\xe9s/one.txt", "wb") as out:
        out.write(b"Title: One\n\nAnother zeppelinword report.\n")
    data = tmp_path / "data"
    statuses = import_report(data, inbox)
    assert statuses == {
        str(inbox / "summit.txt"): ("imported", ""),
        f"{inbox}/caf\\xe9.txt": ("skipped", files.NAME_NOT_UTF8),
        f"{inbox}/r\\xe9sum\\xe9s": ("skipped", files.NAME_NOT_UTF8),
    }
    assert searchable(data, "cosmodrome") and not searchable(data, "zeppelinword")
    named = import_report(data, Path(os.fsdecode(raw + b"/caf\xe9.txt")))  # named on the command line
    assert named == {f"{inbox}/caf\\xe9.txt": ("skipped", files.NAME_NOT_UTF8)}


# -- zip members -----------------------------------------------------------------------------------
def _zip(members: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": exactly what we want
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, text in members:
                archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.timeout(150)
def test_zip_members_with_climbing_absolute_or_colliding_names_each_get_a_status(
    inbox: Path, tmp_path: Path
) -> None:
    names = [
        "a.txt", "a.txt", "a.txt",  # three members of one name
        "dir/x.txt", "dir\\x.txt", "./dir/x.txt",  # one name written three ways
        "a#2.txt",  # a real member whose name a renamed copy must not take
        "../summit.txt", "../../etc/passwd.txt",  # outside the archive: the folder's own summit.txt!
        "/etc/hosts.txt", "C:/windows/win.txt",
    ]  # fmt: skip
    texts = [f"Title: Member {n}\n\nmemberword{n} in the bundle.\n" for n in range(len(names))]
    (inbox / "bundle.zip").write_bytes(_zip(list(zip(names, texts, strict=True))))
    data = tmp_path / "data"
    statuses = import_report(data, inbox)
    bundle = str(inbox / "bundle.zip")
    assert statuses == {
        str(inbox / "summit.txt"): ("imported", ""),
        bundle: ("imported", ""),
        **{
            f"{bundle}/{name}": ("imported", "")
            for name in ["a.txt", "a#3.txt", "a#4.txt", "dir/x.txt", "dir/x#2.txt", "dir/x#3.txt", "a#2.txt"]
        },
        f"{bundle}/summit.txt": ("skipped", "unsafe name '../summit.txt': it points outside the archive"),
        f"{bundle}/etc/passwd.txt": (
            "skipped",
            "unsafe name '../../etc/passwd.txt': it points outside the archive",
        ),
        f"{bundle}/etc/hosts.txt": ("skipped", "unsafe name '/etc/hosts.txt': an absolute path"),
        f"{bundle}/windows/win.txt": ("skipped", "unsafe name 'C:/windows/win.txt': an absolute path"),
    }
    for n in range(7):  # every colliding member is its own document
        assert searchable(data, f"memberword{n}"), n
    for n in range(7, len(names)):
        assert not searchable(data, f"memberword{n}"), n
