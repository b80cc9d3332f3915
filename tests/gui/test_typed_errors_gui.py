"""The window words the core's typed errors in its own terms, and the CLI's advice names real commands.

The core states the fact (tests/core/test_typed_errors.py); these check each front end's half: the
window names its own menus and fields, never a command; the command line's advice parses.
"""

from __future__ import annotations

from pathlib import Path

from briefer.cli import distribution as cli_distribution
from briefer.cli import feeds as cli_feeds
from briefer.core.archive import Archive
from briefer.core.credentials import KeychainProblem
from briefer.core.distribution.accounts import AccountError, AccountProblem, SmtpAccount
from briefer.core.distribution.mail import MailError, MailProblem
from briefer.core.distribution.subscriptions import FeedProblem, FetchResult
from briefer.gui import advice
from briefer.gui.distribution.feeds_dialog import describe_results
from briefer.gui.distribution.send_dialog import explain_failure
from briefer.gui.search.pane import FAILED_FILES_ADVICE, SearchPane
from tests.gui.conftest import status_read
from tests.gui.test_named_controls import COMMAND, command_problem

ACCOUNT = SmtpAccount("work", "mail.example.org", 587, "starttls", "me", "me@example.org")
TLS_ACCOUNT = SmtpAccount("work", "mail.example.org", 465, "tls", "me", "me@example.org")


def mail_errors() -> list[MailError]:
    return [
        MailError("the fact", reason, account=a) for reason in MailProblem for a in (ACCOUNT, TLS_ACCOUNT)
    ]


def account_errors() -> list[AccountError]:
    return [AccountError("the fact", problem) for problem in AccountProblem]


def cli_wordings() -> list[str]:
    feeds = [cli_feeds.feed_advice(p, "desk", KeychainProblem.NO_SECRET) for p in FeedProblem]
    return [cli_distribution.explain(e) for e in [*mail_errors(), *account_errors()]] + feeds


def window_wordings() -> list[str]:
    feeds = [advice.feed_advice(p, KeychainProblem.NOT_FOUND) for p in FeedProblem]
    return [advice.in_words(e) for e in [*mail_errors(), *account_errors()]] + feeds


def test_the_window_s_advice_names_no_command_and_the_cli_s_names_real_ones() -> None:
    for text in window_wordings():
        assert "briefer " not in text and "--" not in text, text
    named = [m.group(1).split() for text in cli_wordings() for m in COMMAND.finditer(text)]
    assert len(named) > 10
    for words in named:
        assert not command_problem(words), (words, command_problem(words))
    for text in cli_wordings():
        assert "\u2192" not in text, text  # no menu of the window


def test_a_refused_login_is_worded_for_each_front_end() -> None:
    error = MailError(
        "mail.example.org:587 refused the user name or password", MailProblem.AUTH, account=ACCOUNT
    )
    window = explain_failure(error)
    assert window.startswith("The server refused the user name or password.\nMail.example.org:587 refused")
    assert "Settings \u2192 Accounts" in window and "briefer" not in window
    cli = cli_distribution.explain(error)
    assert cli == f"{error}. Store the right password with `briefer credentials set work`."


def test_a_feed_that_needs_a_login_is_worded_for_the_window() -> None:
    result = FetchResult(
        "desk", "unauthorized", "the server asks for a login (401 Unauthorized)", 0, 401,
        problem=FeedProblem.LOGIN_NEEDED,
    )  # fmt: skip
    line = describe_results([result])
    assert line.startswith(
        "1 feed fetched: 0 new entries; desk: the server asks for a login (401 Unauthorized). "
    )
    assert "Settings \u2192 Feeds" in line and "briefer" not in line


def test_the_search_pane_says_where_failed_files_are_named(qtbot, tmp_path: Path, articles_dir: Path) -> None:
    (articles_dir / "empty.html").write_bytes(b"")
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([articles_dir])
        pane = SearchPane(archive)
        qtbot.addWidget(pane)
        pane.query.setText("Vostochny")
        pane.search_now()
        qtbot.waitUntil(lambda: not pane.searching and pane.model.rowCount() > 0)
        summary = pane.summary.text()
        pane.shutdown()
    assert "1 file(s) could not be imported" in summary and FAILED_FILES_ADVICE in summary
    assert "briefer " not in summary


def test_the_failed_files_notice_links_to_the_import_report_on_them(make_window, qtbot, articles_dir) -> None:
    (articles_dir / "empty.html").write_bytes(b"")
    window = make_window()
    window.show()
    window.start()
    qtbot.waitUntil(lambda: status_read(window), timeout=30_000)
    assert window.flow.import_paths([articles_dir])
    qtbot.waitUntil(lambda: status_read(window), timeout=60_000)
    pane = window.search
    pane.query.setText("Vostochny")
    pane.search_now()
    qtbot.waitUntil(lambda: not pane.searching and "Import Report" in pane.summary.text())
    assert '<a href="import-report:">Archive \u2192 Import Report</a>' in pane.summary.text()
    pane.summary.linkActivated.emit("import-report:")  # what a click on the link sends
    report = window.archive_tools.report_window
    assert report is not None and report.isVisible()
    qtbot.waitUntil(lambda: report.model.rowCount() > 0, timeout=10_000)
    assert [Path(row.path).name for row in report.shown_rows()] == ["empty.html"]
