"""Errors as types: one root, a typed reason and the facts; the core states the fact, the CLI adds commands.

The window's wording of the same errors is checked in tests/gui/test_typed_errors_gui.py.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from briefer.cli import distribution as cli_distribution
from briefer.cli import feeds as cli_feeds
from briefer.core.archive import Archive, ArchiveBusy, ArchiveMissing
from briefer.core.archive.catalog import CatalogError
from briefer.core.archive.saved_searches import SavedSearchError
from briefer.core.briefing.model import BriefingError
from briefer.core.credentials import CredentialsUnavailable
from briefer.core.distribution.accounts import AccountBook, AccountError, AccountProblem
from briefer.core.distribution.mail import MailError, MailProblem, send
from briefer.core.distribution.subscriptions import (
    FeedBook,
    FeedError,
    FeedProblem,
    InsecureFeed,
    Subscription,
)
from briefer.core.errors import BrieferError, is_expected
from briefer.core.export.docx_export import ExportError
from briefer.core.extract.errors import ExtractionError
from tests.core.cli_support import Cli
from tests.core.smtp_server import free_port

CORE = Path(__file__).resolve().parents[2] / "briefer" / "core"


def no_command(text: str) -> bool:
    return "briefer " not in text and "--" not in text


def test_the_core_errors_share_one_root_and_keep_their_old_bases() -> None:
    for cls, old in [
        (AccountError, ValueError),
        (FeedError, ValueError),
        (BriefingError, ValueError),
        (SavedSearchError, ValueError),
        (ArchiveBusy, RuntimeError),
        (ArchiveMissing, LookupError),
        (MailError, Exception),
        (CredentialsUnavailable, Exception),
        (CatalogError, Exception),
        (ExtractionError, Exception),
        (ExportError, BriefingError),
        (InsecureFeed, FeedError),
    ]:
        assert issubclass(cls, BrieferError) and issubclass(cls, old), cls
    error = AccountError("no SMTP account is set up", AccountProblem.NONE_SET_UP)
    assert is_expected(error) and isinstance(error, ValueError)


def _literals(node: ast.AST) -> list[str]:
    texts = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            texts.append(inner.value)
        elif isinstance(inner, ast.JoinedStr):
            texts.append("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in inner.values))
    return texts


def _error_classes(trees: list[ast.Module]) -> set[str]:
    """The core's exception classes, by name (those that derive from an Error, Exception, ...)."""
    names = {"Exception", "ValueError", "RuntimeError", "LookupError", "BrieferError"}
    grew = True
    while grew:
        found = {
            node.name
            for tree in trees
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", "") in names for b in node.bases)
        }
        grew = not found <= names
        names |= found
    return names


def test_no_error_raised_in_the_core_names_a_command_of_the_cli() -> None:
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(CORE.rglob("*.py"))}
    errors = _error_classes(list(trees.values()))
    named = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            made = isinstance(node, ast.Call) and getattr(node.func, "id", "") in errors
            if isinstance(node, ast.Raise) or made:
                named += [(path.name, t) for t in _literals(node) if "`briefer " in t]
    assert named == []
    assert {"MailError", "_Failed", "AccountError", "FeedError"} <= errors  # the search saw them


def test_a_refused_send_states_the_fact_and_the_cli_adds_the_commands(tmp_path: Path) -> None:
    from email.message import EmailMessage

    from briefer.core.distribution.accounts import SmtpAccount

    account = SmtpAccount("work", "127.0.0.1", free_port(), "starttls", "", "analyst@agency.example")
    with pytest.raises(MailError) as failure:
        send(EmailMessage(), account, None, timeout=5)
    error = failure.value
    assert (error.reason, error.account, error.security) == (MailProblem.REFUSED, "work", "starttls")
    assert str(error) == f"could not connect to 127.0.0.1:{account.port}: the connection was refused"
    worded = cli_distribution.explain(error)
    assert worded.startswith(f"{error}. Check the host and port of the account 'work'")
    assert "`briefer accounts list`" in worded


@pytest.mark.parametrize(
    ("reason", "security", "advice"),
    [
        (MailProblem.AUTH, "starttls", "`briefer credentials set work-login`"),
        (MailProblem.CERTIFICATE, "starttls", "--cafile PEM"),
        (MailProblem.NO_STARTTLS, "starttls", "--security tls"),
        (MailProblem.TLS, "tls", "--security starttls"),
        (MailProblem.TIMEOUT, "starttls", "--security tls"),
        (MailProblem.DISCONNECTED, "starttls", "--security tls"),
    ],
)
def test_each_mail_problem_gets_the_cli_s_advice(reason: MailProblem, security: str, advice: str) -> None:
    from briefer.core.distribution.accounts import SmtpAccount

    account = SmtpAccount("work", "mail.example.org", 587, security, "me", "me@example.org", "work-login")
    error = MailError("the fact", reason, account=account)
    assert no_command(str(error)) and advice in cli_distribution.explain(error)


def test_account_errors_state_the_fact_and_the_cli_adds_the_commands(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = AccountBook.for_data_dir(tmp_path)
    with pytest.raises(AccountError) as none:
        book.default()
    assert (str(none.value), none.value.problem) == ("no SMTP account is set up", AccountProblem.NONE_SET_UP)
    assert "`briefer accounts add NAME --host HOST --from ADDRESS`" in cli_distribution.explain(none.value)

    book.path.write_text(json.dumps({"accounts": [{"name": "w", "password": "hunter2"}]}), encoding="utf-8")
    with pytest.raises(AccountError) as secret:
        book.all()
    assert secret.value.problem is AccountProblem.SECRET_IN_FILE and no_command(str(secret.value))
    cli = Cli(tmp_path, capsys, monkeypatch)
    assert cli("accounts", "list") == 1
    assert cli.err == f"briefer: {secret.value}. Remove it from the file and store it with " \
        "`briefer credentials set ACCOUNT`.\n"  # fmt: skip


def test_feed_errors_state_the_fact_and_the_cli_adds_the_commands(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = FeedBook.for_data_dir(tmp_path)
    with pytest.raises(FeedError) as login:
        book.add(Subscription("desk", "https://bob:hunter22@feeds.example/private.xml"))
    assert login.value.problem is FeedProblem.LOGIN_IN_ADDRESS and no_command(str(login.value))
    assert "`briefer credentials set ACCOUNT --kind basic --username USER`" in cli_feeds.explain(login.value)

    with pytest.raises(FeedError) as unknown:
        book.get("desk")
    assert (str(unknown.value), unknown.value.known) == ("no feed 'desk'; known: none yet", ())
    cli = Cli(tmp_path, capsys, monkeypatch)
    assert cli("feeds", "fetch", "desk") == 1
    assert cli.err == "briefer: no feeds to fetch (subscribe with `briefer feeds add NAME URL`)\n"
    assert cli_feeds.explain(unknown.value).endswith("; subscribe with `briefer feeds add NAME URL`")


def test_a_feed_s_last_error_keeps_its_reason_for_the_front_ends(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = FeedBook.for_data_dir(tmp_path)
    book.add(Subscription("desk", "https://feeds.example/private.xml", account="desk-login"))
    failed = Subscription(
        "desk", "https://feeds.example/private.xml", account="desk-login", last_status="error",
        last_error="no secret is stored for the account 'desk-login'",
        last_problem=str(FeedProblem.NO_SECRET),
    )  # fmt: skip
    book.put(failed)
    assert book.get("desk").problem is FeedProblem.NO_SECRET
    cli = Cli(tmp_path, capsys, monkeypatch)
    assert cli("feeds", "list") == 0
    assert (
        "    last error: no secret is stored for the account 'desk-login'; store it with "
        "`briefer credentials set desk-login --kind basic --username USER` (or --kind bearer)"
    ) in cli.out.splitlines()


def test_failed_files_are_counted_by_the_core_and_the_cli_names_its_command(
    tmp_path: Path, articles: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (articles / "empty.html").write_bytes(b"")
    with Archive(tmp_path / "data") as archive:
        archive.import_paths([articles])
        results = archive.search("Seoul")
    assert results.failed_files == 1 and results.incomplete
    assert "1 file(s) could not be imported" in results.notices
    assert all(no_command(n) for n in results.notices)
    cli = Cli(tmp_path / "data", capsys, monkeypatch)
    assert cli("search", "Seoul") == 0
    assert "note: 1 file(s) could not be imported" in cli.err
    assert "`briefer stats --failures` lists the files that could not be imported" in cli.err


def test_reasons_the_core_gives_every_front_end_name_no_option_of_the_cli() -> None:
    """A failed file's reason is kept in the catalog and shown by the window too: no `--max-memory` there."""
    from briefer.core.archive.clusters import ClusterStats
    from briefer.core.archive.limits import expansion_reason, members_reason, memory_reason

    texts = [
        memory_reason(400 * 2**20),
        members_reason(10_000),
        expansion_reason(2**30),
        ClusterStats(threshold=0, documents=3, signed=0, clusters=0, clustered=0).line(),
    ]
    assert all(no_command(text) for text in texts), texts
    assert memory_reason(400 * 2**20) == "needed more than 400 MB of memory (the memory limit per file)"
