"""E-mail identity: a message is known by what its sender wrote, not by its Message-ID or its file's bytes."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from email.message import EmailMessage
from pathlib import Path

from briefer.core.archive import CATALOG_FILE, Archive
from briefer.core.archive.catalog import Catalog
from briefer.core.extract import extract_parts
from tests.conftest import corpus_path

SHARED_ID = "<20230914060000.4711@harbour.example>"
BODIES = [
    "Rail convoys crossed the Tumangang bridge before dawn, the border guard reported.",
    "The cosmodrome meeting ended without a joint statement, officials in Seoul said.",
    "Artillery shells were loaded at Rajin port on Tuesday, satellite images show.",
    "Tokyo protested the reconnaissance satellite launch through diplomatic channels.",
    "Washington named three arms brokers in new sanctions announced on Friday.",
]


def message(body: str, *, delivered_to: str = "desk@briefer.example") -> bytes:
    """A message as a reader's client saves it: delivery headers first, then what the sender wrote."""
    mail = EmailMessage()
    mail["Delivered-To"] = delivered_to
    mail["Received"] = f"from mx.harbour.example by mail.briefer.example for <{delivered_to}>"
    mail["From"] = "Min Park <min.park@harbour.example>"
    mail["To"] = "desk@briefer.example"
    mail["Subject"] = "Border update"
    mail["Date"] = "Thu, 14 Sep 2023 06:00:00 +0900"
    mail["Message-ID"] = SHARED_ID  # one id for all: a client that reuses it, a resend edited
    mail.set_content(body)
    return mail.as_bytes()


def doc_of(archive: Archive, path: Path) -> str:
    location = archive.catalog.locations()[str(path.resolve())]  # the catalog keeps resolved paths
    assert location.doc_id is not None
    return location.doc_id


def test_messages_sharing_a_message_id_are_documents_of_their_own(archive: Archive, tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    (mail / "copies").mkdir(parents=True)
    for number, body in enumerate(BODIES, start=1):
        (mail / f"m{number}.eml").write_bytes(message(body))
    shutil.copyfile(mail / "m3.eml", mail / "copies" / "m3.eml")

    summary = archive.import_paths([mail])

    assert summary.counts["imported"] == 5 and summary.counts["duplicate"] == 1
    assert archive.stats().documents == 5
    for number, body in enumerate(BODIES, start=1):
        document = archive.document(doc_of(archive, mail / f"m{number}.eml"))
        assert document.text == body  # each message keeps its own text
    assert doc_of(archive, mail / "copies" / "m3.eml") == doc_of(archive, mail / "m3.eml")
    third = archive.document(doc_of(archive, mail / "m3.eml"))
    assert sorted(third.paths) == sorted([str(mail / "m3.eml"), str(mail / "copies" / "m3.eml")])
    assert [hit.document.id for hit in archive.search("Tumangang").hits] == [doc_of(archive, mail / "m1.eml")]
    assert [hit.document.id for hit in archive.search("Rajin").hits] == [third.id]


def test_the_same_message_saved_by_two_readers_is_one_document(archive: Archive, tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "ana.eml").write_bytes(message(BODIES[0], delivered_to="ana@briefer.example"))
    # Another reader's copy: other delivery headers, Windows line endings.
    copy = message(BODIES[0], delivered_to="ben@briefer.example").replace(b"\n", b"\r\n")
    (mail / "ben.eml").write_bytes(copy)

    summary = archive.import_paths([mail])

    assert summary.counts["imported"] == 1 and summary.counts["duplicate"] == 1
    assert doc_of(archive, mail / "ana.eml") == doc_of(archive, mail / "ben.eml")
    assert archive.stats().documents == 1


def test_the_same_message_in_a_mailbox_and_as_an_eml_file_is_one_document(
    archive: Archive, tmp_path: Path
) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "saved.eml").write_bytes(message(BODIES[1]))
    mbox = b"From min.park@harbour.example Thu Sep 14 06:00:00 2023\n" + message(BODIES[1]) + b"\n"
    mbox += b"From min.park@harbour.example Thu Sep 14 07:00:00 2023\n" + message(BODIES[2]) + b"\n"
    (mail / "inbox.mbox").write_bytes(mbox)

    archive.import_paths([mail])

    saved = doc_of(archive, mail / "saved.eml")
    assert doc_of(archive, mail / "inbox.mbox" / "1") == saved
    assert doc_of(archive, mail / "inbox.mbox" / "2") != saved
    assert archive.stats().documents == 2


def test_a_message_whose_file_only_gains_a_header_stays_unchanged(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(message(BODIES[0]))
    archive.import_paths([path])
    before = archive.document(doc_of(archive, path))
    path.write_bytes(b"Status: RO\n" + message(BODIES[0]))  # the client marked it read
    later = time.time_ns() + 2 * 10**9
    os.utime(path, ns=(later, later))

    summary = archive.import_paths([path])

    assert summary.counts["unchanged"] == 1
    assert archive.document(before.id).text_hash == before.text_hash


def test_extracted_messages_differ_by_content_not_by_message_id() -> None:
    def content_hash(data: bytes) -> str:
        return next(p.content_hash for p in extract_parts(data, Path("m.eml")) if p.member == "")

    first, second = (content_hash(message(body)) for body in BODIES[:2])
    assert first != second
    assert content_hash(message(BODIES[0], delivered_to="ben@briefer.example")) == first


def test_cpython_messages_sharing_one_message_id_keep_their_texts(archive: Archive) -> None:
    """Five CPython test messages share one Message-ID; one says something else and must stay findable."""
    folder = corpus_path("awkward", "eml", "cpython_test_email")
    names = ("msg_01.eml", "msg_03.eml", "msg_14.eml", "msg_20.eml", "msg_29.eml")

    archive.import_paths([folder / name for name in names])

    hits = archive.search("drainbread").hits
    assert [Path(hit.document.path).name for hit in hits] == ["msg_14.eml"]
    with_all_words = [hit for hit in archive.search("like this message").hits if hit.match == "all"]
    asked = {Path(p).name for hit in with_all_words for p in hit.document.paths}
    assert asked == {"msg_01.eml", "msg_03.eml", "msg_20.eml", "msg_29.eml"}
    assert doc_of(archive, folder / "msg_14.eml") != doc_of(archive, folder / "msg_01.eml")


def test_messages_an_older_briefer_merged_by_message_id_are_split_by_the_next_import(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    first, second = mail / "m1.eml", mail / "m2.eml"
    first.write_bytes(message(BODIES[0]))
    second.write_bytes(message(BODIES[1]))
    data = tmp_path / "data"
    data.mkdir()
    # What an older Briefer left: one document for both files, known by the Message-ID, holding the
    # text of the last one it read; each file's location has that file's hash, so neither looks changed.
    catalog = Catalog(data / CATALOG_FILE)
    with catalog.transaction():
        last = next(iter(extract_parts(second.read_bytes(), second))).extracted
        assert last is not None
        file_hash = hashlib.sha256(second.read_bytes()).hexdigest()
        merged = catalog.put_document(None, file_hash, last, entry_key=f"message-id:{SHARED_ID[1:-1]}")
        for path, status in ((first, "imported"), (second, "updated")):
            catalog.set_location(
                str(path), doc_id=merged, size=path.stat().st_size, mtime_ns=path.stat().st_mtime_ns,
                content_hash=hashlib.sha256(path.read_bytes()).hexdigest(), status=status,
            )  # fmt: skip
    catalog.close()

    with Archive(data) as archive:
        archive.import_paths([mail])

        assert archive.stats().documents == 2
        assert archive.document(doc_of(archive, first)).text == BODIES[0]
        assert archive.document(doc_of(archive, second)).text == BODIES[1]
        assert merged in {doc_of(archive, first), doc_of(archive, second)}  # its tags and excerpts stay
        assert [hit.document.id for hit in archive.search("Tumangang").hits] == [doc_of(archive, first)]
