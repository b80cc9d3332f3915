"""An HTML e-mail body that is a whole page without a <body> (a head only, a frameset) is read as
the page it is: lxml asserts one <body> in a fragment, and that AssertionError failed the whole
message (found by `make stress`'s file fuzzing on a real e-mail)."""

from __future__ import annotations

from briefer.core.extract.html import html_to_text
from briefer.core.extract.mail import message_extracted, parse_message

HEAD_ONLY = "<HTML>\n<HEAD>\n<TITLE>Some removed HTML</TITLE>\n</HEAD>\n</HTML>"


def test_a_page_without_a_body_gives_no_text_and_no_error() -> None:
    assert html_to_text(HEAD_ONLY) == ""
    frames = "<html><head><title>x</title></head><frameset><frame src='a.html'></frameset></html>"
    assert html_to_text(frames) == ""
    assert html_to_text("<p>Grain <b>exports</b> rose.</p>") == "Grain exports rose."


def test_an_email_whose_html_body_has_no_body_is_known_by_its_subject() -> None:
    message = parse_message(
        b"From: desk@example.org\r\nSubject: Convoy update\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=us-ascii\r\n\r\n" + HEAD_ONLY.encode()
    )
    extracted = message_extracted(message)
    assert extracted.title == "Convoy update" and extracted.text == "Convoy update"
