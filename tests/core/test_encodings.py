"""Encodings: what the bytes prove, then a declared charset, then a guess that fits the language.

Every file is written here, from Python, in the encoding under test; each case is read by
`extract` and imported into a real archive.
"""

from __future__ import annotations

import codecs
from email.message import EmailMessage
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from briefer.core.documents import Document, Extracted
from briefer.core.extract import extract_parts
from tests.core.format_fixtures import make_mhtml

CZECH = (
    "Ministr řekl, že vláda je připravena jednat. Každý den přinese nové zprávy o bezpečnosti. "
    "Je to důležité, že obě země chtějí mír a že jednání bude pokračovat."
)
SLOVAK = (
    "Minister zahraničných vecí uviedol, že rokovania o bezpečnosti budú pokračovať budúci týždeň "
    "v Bratislave. Žiadna dohoda zatiaľ nebola uzavretá, ale ľudia sú pripravení."
)
TURKISH = (
    "Dışişleri Bakanı, güvenlik görüşmelerinin gelecek hafta Ankara'da devam edeceğini söyledi. "
    "Henüz bir anlaşmaya varılmadı, ancak iki taraf da uzlaşmaya hazır olduğunu açıkladı. "
    "Hükümet, müttefiklerinden destek istedi ve silah teslimatlarının önemini vurguladı."
)
RUSSIAN = "Министр иностранных дел заявил, что переговоры продолжатся на следующей неделе в Москве."
JAPANESE = "北朝鮮の金正恩総書記はロシア極東のボストーチヌイ宇宙基地でプーチン大統領と会談した。"
# Windows' Shift_JIS (cp932) and EUC-KR (cp949) have characters the standards lack (circled digits, 똠).
JAPANESE_CP932 = "①金正恩総書記は髙橋氏の報告～ボストーチヌイ宇宙基地でプーチン大統領と会談した。"
KOREAN_CP949 = (
    "북한의 김정은 국무위원장은 똠방각하 햏자와 함께 보스토치니 우주기지에서 푸틴 대통령과 회담했다."
)
KOREAN = "북한의 김정은 국무위원장은 러시아 극동의 보스토치니 우주기지에서 푸틴 대통령과 정상회담을 가졌다."


def extracted(data: bytes, name: str) -> Extracted:
    """The one document a file holds, read by `extract`."""
    parts = [part for part in extract_parts(data, Path(name)) if part.extracted is not None]
    assert len(parts) == 1, [
        (part.member, part.status, part.reason) for part in extract_parts(data, Path(name))
    ]
    return parts[0].extracted


def imported(archive: Archive, path: Path) -> list[Document]:
    """The documents a real import of `path` made, in the order of their paths."""
    summary = archive.import_paths([path])
    done = sorted((o for o in summary.outcomes if o.doc_id), key=lambda o: o.path)
    assert all(o.status == "imported" for o in done), [(o.path, o.status, o.reason) for o in summary.outcomes]
    return [archive.document(o.doc_id) for o in done if o.doc_id]


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


# -- pages that begin with an XML declaration ----------------------------------------------
def xhtml(label: str, title: str, body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="{label}"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        f'<meta http-equiv="Content-Type" content="text/html; charset={label}" />'
        f"<title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{body}</p><p>{body}</p></article></body></html>"
    )


XHTML_CASES = [
    (
        "utf-8",
        "utf-8",
        "Seoul reacts",
        "South Korea warned that any arms transfer would violate resolutions.",
    ),
    ("iso-8859-2", "iso-8859-2", "Jednání v Praze", CZECH),
    ("windows-1251", "cp1251", "Заявление", RUSSIAN),
    ("Shift_JIS", "shift_jis", "会談", JAPANESE),
    ("UTF-16", "utf-16", "Seoul reacts", "Officials in Seoul said they were watching the meeting closely."),
]


@pytest.mark.parametrize(("label", "codec", "title", "body"), XHTML_CASES, ids=[c[0] for c in XHTML_CASES])
def test_a_page_that_begins_with_an_xml_declaration_is_read(
    label: str, codec: str, title: str, body: str
) -> None:
    page = extracted(xhtml(label, title, body).encode(codec), "page.xhtml")
    assert page.title == title
    assert body in page.text


def test_pages_and_saved_pages_with_an_xml_declaration_import(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    for number, (label, codec, title, body) in enumerate(XHTML_CASES):
        write(folder, f"{number}.html", xhtml(label, title, body).encode(codec))
    write(folder, "saved.mhtml", make_mhtml(xhtml("utf-8", "Saved page", "Rail convoys crossed the border.")))

    documents = imported(archive, folder)

    assert [d.title for d in documents] == [case[2] for case in XHTML_CASES] + ["Saved page"]
    assert "Rail convoys crossed the border." in documents[-1].text
    assert [h.document.title for h in archive.search("Praze").hits] == ["Jednání v Praze"]


# -- a declared charset wins ------------------------------------------------------------------
def feed(label: str, codec: str, title: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="{label}"?>\n<rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://wire.example</link><item><title>{title}</title><guid>{codec}-1</guid>"
        f"<link>https://wire.example/{codec}/1</link><description>{body}</description></item></channel></rss>"
    ).encode(codec)


FEED_CASES = [
    ("Shift_JIS", "cp932", "会談の報告①", JAPANESE_CP932),
    ("EUC-KR", "cp949", "정상회담 똠방각하", KOREAN_CP949),
]


@pytest.mark.parametrize(("label", "codec", "title", "body"), FEED_CASES, ids=[c[0] for c in FEED_CASES])
def test_a_feed_is_read_in_the_charset_it_declares(label: str, codec: str, title: str, body: str) -> None:
    entry = extracted(feed(label, codec, title, body), "wire.rss")
    assert (entry.title, entry.text, entry.source) == (title, body, title)


def test_declared_charsets_win_through_a_real_import(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "declared"
    write(folder, "a-tokyo.rss", feed("Shift_JIS", "cp932", "会談の報告①", JAPANESE_CP932))
    write(folder, "b-seoul.rss", feed("EUC-KR", "cp949", "정상회담 똠방각하", KOREAN_CP949))
    page = f'<html><head><meta charset="Shift_JIS"><title>会談①</title></head><body><p>{JAPANESE_CP932}</p>'
    write(folder, "c-page.html", page.encode("cp932"))

    documents = imported(archive, folder)

    assert [(d.title, d.text) for d in documents] == [
        ("会談の報告①", JAPANESE_CP932),
        ("정상회담 똠방각하", KOREAN_CP949),
        ("会談①", JAPANESE_CP932),
    ]


def mail(body: bytes, content_type: str, subject: str = "Border update") -> bytes:
    message = EmailMessage()
    message["From"] = "Min Park <min.park@harbour.example>"
    message["Subject"] = subject
    message["Date"] = "Thu, 14 Sep 2023 06:00:00 +0900"
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = content_type
    message["Content-Transfer-Encoding"] = "7bit" if body.isascii() else "8bit"
    head = message.as_bytes().rstrip(b"\n")
    return head + b"\n\n" + body + b"\n"


def test_iso_2022_text_is_decoded_not_kept_as_escape_sequences(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "iso2022"
    write(folder, "a-japanese.txt", f"会談\n\n{JAPANESE}\n".encode("iso2022_jp"))
    write(folder, "b-korean.txt", f"회담\n\n{KOREAN}\n".encode("iso2022_kr"))
    # A Japanese client's message: ISO-2022-JP, and no charset said (ASCII, by the rules).
    write(folder, "c-unlabelled.eml", mail(JAPANESE.encode("iso2022_jp"), "text/plain"))
    write(folder, "d-shift-jis.eml", mail(JAPANESE_CP932.encode("cp932"), 'text/plain; charset="shift_jis"'))

    documents = imported(archive, folder)

    assert [d.text for d in documents] == [
        f"会談\n\n{JAPANESE}",
        f"회담\n\n{KOREAN}",
        JAPANESE,
        JAPANESE_CP932,
    ]
    assert [d.title for d in documents[:2]] == ["会談", "회담"]
    assert extracted(JAPANESE.encode("iso2022_jp"), "j.txt").text == JAPANESE


# -- undeclared 8-bit text: the code page whose letters fit the language ---------------------
GUESS_CASES = [
    (CZECH, "iso-8859-2", "cs"),
    (CZECH, "cp1250", "cs"),
    (SLOVAK, "iso-8859-2", "sk"),
    (TURKISH, "cp1254", "tr"),
    (TURKISH, "iso-8859-9", "tr"),
]


@pytest.mark.parametrize(
    ("text", "codec", "language"), GUESS_CASES, ids=[f"{c[2]}-{c[1]}" for c in GUESS_CASES]
)
def test_undeclared_8bit_text_is_read_in_the_code_page_of_its_language(
    text: str, codec: str, language: str
) -> None:
    document = extracted(f"{text}\n".encode(codec), "note.txt")
    assert document.text == text
    assert document.language == language


def test_czech_and_turkish_text_files_import_with_their_letters(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "guessed"
    write(folder, "a-czech-iso.txt", f"{CZECH}\n".encode("iso-8859-2"))
    write(folder, "b-czech-windows.txt", f"{CZECH}\n\nPraha.\n".encode("cp1250"))
    write(folder, "c-turkish.txt", f"{TURKISH}\n".encode("iso-8859-9"))

    documents = imported(archive, folder)

    assert [d.text for d in documents] == [CZECH, f"{CZECH}\n\nPraha.", TURKISH]
    assert [d.language for d in documents] == ["cs", "cs", "tr"]
    assert [d.title[:14] for d in documents] == ["Ministr řekl, ", "Ministr řekl, ", "Dışişleri Baka"]


# -- UTF-16 and UTF-32 without a byte-order mark ------------------------------------------------
WIDE = ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]
ARTICLE = (
    "Seoul reacts to the summit\n\nSouth Korea warned that any arms transfer would violate resolutions.\n"
)


@pytest.mark.parametrize("codec", WIDE)
def test_text_in_utf16_or_utf32_without_a_bom_has_no_nul_in_title_or_text(codec: str) -> None:
    assert not ARTICLE.encode(codec).startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    document = extracted(ARTICLE.encode(codec), "article.txt")
    assert document.title == "Seoul reacts to the summit"
    assert document.text == ARTICLE.strip()


def test_wide_unicode_files_without_a_bom_import_with_clean_titles(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "wide"
    for codec in WIDE:
        write(folder, f"{codec}.txt", ARTICLE.encode(codec))
    page = "<html><head><title>Seoul reacts</title></head><body><p>South Korea warned Pyongyang.</p>"
    write(folder, "page.html", page.encode("utf-16-le"))
    write(folder, "cyrillic.txt", f"Заявление\n\n{RUSSIAN}\n".encode("utf-16-le"))

    documents = imported(archive, folder)

    assert [d.title for d in documents] == ["Заявление", "Seoul reacts"] + ["Seoul reacts to the summit"] * 4
    assert not any("\x00" in d.title + d.text for d in documents)
    assert archive.search("warned").total == 5


def test_no_field_keeps_a_nul_whatever_the_format_let_through() -> None:
    """The last defence: a header line carrying NUL and other control characters into metadata."""
    data = b"Title: Seoul\x00 reacts\x07\nAuthor: Min\x00 Park\nSource: Harbour\x1b Times\n\nThe body.\n"
    document = extracted(data, "note.txt")
    assert (document.title, document.author, document.source) == ("Seoul reacts", "Min Park", "Harbour Times")
