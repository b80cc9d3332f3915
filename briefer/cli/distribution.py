"""`briefer credentials`, `accounts`, `recipients`, `send` and `ledger`: distribution from the command line.

Secrets are never command-line arguments: `credentials set` reads them from a
hidden prompt (a terminal) or from stdin (a pipe), and `send` asks on the
terminal only when no keychain holds the password.  Nothing here logs or
prints a secret.  `credentials backend use encrypted-file` keeps an archive's
secrets in an encrypted file instead of the system keychain (the same choice
as the window's Settings; see `core.credentials.BackendChoice`): its password
is asked on the terminal whenever a command needs a secret.  The core says what
is wrong with a keychain (`KeychainProblem`), with a send (`MailProblem`) and
with an account (`AccountProblem`); `explain` adds the commands that help.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from briefer.cli.check import print_warnings, refused
from briefer.cli.common import fail, reporting
from briefer.core import paths
from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage
from briefer.core.briefing.gate import ReleaseBlocked
from briefer.core.briefing.model import Briefing, BriefingError, Recipient
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.credentials import (
    BACKENDS,
    ENCRYPTED_FILE,
    KINDS,
    SYSTEM,
    BackendChoice,
    BackendStatus,
    CredentialStore,
    CredentialsUnavailable,
    KeychainProblem,
    check_backend,
    open_encrypted_file,
)
from briefer.core.distribution.accounts import (
    DEFAULT_PORTS,
    SECURITY,
    AccountBook,
    AccountError,
    AccountProblem,
    SmtpAccount,
)
from briefer.core.distribution.delivery import attachment_name as docx_name
from briefer.core.distribution.delivery import recipients_for, save_draft, send_briefing, unique_recipients
from briefer.core.distribution.ledger import Ledger
from briefer.core.distribution.mail import MailError, MailProblem, parse_recipient
from briefer.core.export import toc_pages
from briefer.core.export.docx_export import COMMENT_MODES
from briefer.core.export.pdf_export import LibreOfficeMissing

OpenArchive = Callable[[argparse.Namespace], Archive]


_fail = fail
_expected = reporting(BriefingError, ValueError)
Handler = Callable[[argparse.Namespace], int]


def _reporting(handler: Handler) -> Handler:
    """`briefer: ...` and status 1 for expected failures; a keychain's, a send's and an account's
    with the commands that help."""

    @functools.wraps(handler)
    def worded(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (CredentialsUnavailable, MailError, AccountError) as exc:
            return _fail(explain(exc))

    return _expected(worded)


def explain(exc: CredentialsUnavailable | MailError | AccountError) -> str:
    """The core's fact, then what to do about it on the command line."""
    if isinstance(exc, CredentialsUnavailable):
        return explain_unavailable(exc)
    advice = mail_advice(exc) if isinstance(exc, MailError) else account_advice(exc)
    return _sentences(str(exc), advice)


def _sentences(fact: str, advice: str) -> str:
    if advice and not fact.endswith("."):
        fact += "."
    return " ".join(filter(None, (fact, advice)))


def mail_advice(exc: MailError) -> str:
    """What the command line offers after a send failed ("" when nothing helps)."""
    reason, account = exc.reason, exc.account or "NAME"
    add_again = f"`briefer accounts add {account} --host HOST --from ADDRESS ..."
    if reason in (MailProblem.AUTH, MailProblem.NO_PASSWORD):
        right = "the right" if reason is MailProblem.AUTH else "its"
        return f"Store {right} password with `briefer credentials set {exc.credential or account}`."
    if reason is MailProblem.CERTIFICATE and not exc.cafile:
        return (
            "Briefer only sends to servers it can verify: check the host name, or, if your organisation "
            f"runs its own certificate authority, give its CA file with --cafile PEM ({add_again} "
            "--cafile PEM` keeps it)."
        )
    if reason is MailProblem.NO_STARTTLS:
        return "Check the port (587 for STARTTLS, 465 with --security tls) or ask your mail administrator."
    if reason is MailProblem.TLS and exc.security == "tls":
        return (
            "The port may expect STARTTLS rather than implicit TLS: try --security starttls "
            f"({add_again} --security starttls`)."
        )
    if reason in (MailProblem.TIMEOUT, MailProblem.DISCONNECTED) and exc.security == "starttls":
        return (
            "The port may expect implicit TLS: try --security tls, usually on port 465 "
            f"({add_again} --security tls`)."
        )
    if reason is MailProblem.REFUSED:
        return (
            f"Check the host and port of the account {account!r} (`briefer accounts list`), and that you "
            "are on a network that reaches the server."
        )
    return ""


def account_advice(exc: AccountError) -> str:
    """What the command line offers for an account problem ("" when nothing helps)."""
    if exc.problem is AccountProblem.SECRET_IN_FILE:
        return "Remove it from the file and store it with `briefer credentials set ACCOUNT`."
    if exc.problem in (AccountProblem.UNKNOWN, AccountProblem.NONE_SET_UP) and not exc.known:
        return "Add one with `briefer accounts add NAME --host HOST --from ADDRESS`."
    if exc.problem is AccountProblem.SEVERAL:
        return "Choose one with --account NAME."
    return ""


def _data_dir(args: argparse.Namespace) -> Path:
    return paths.resolve_data_dir(getattr(args, "data_dir", None))


# -- the keychain in use, and its problems in the command line's words ----------------------
USE_ENCRYPTED_FILE = f"briefer credentials backend use {ENCRYPTED_FILE}"


def keychain_advice(problem: KeychainProblem | None, account: str = "") -> str:
    """What the command line offers for a keychain problem ("" when nothing)."""
    if problem is KeychainProblem.ENCRYPTED_FILE_NOT_CHOSEN:
        return f"To keep passwords in it, choose it: `{USE_ENCRYPTED_FILE}` (asks for its password)."
    if problem is not None and problem.system_keychain:
        return f"Or keep passwords in an encrypted file instead: `{USE_ENCRYPTED_FILE}`."
    if problem is KeychainProblem.ENCRYPTED_FILE_LOCKED:
        return (
            "Run the command on a terminal, where it asks for that password, or go back to the system "
            f"keychain: `briefer credentials backend use {SYSTEM}`."
        )
    if problem is KeychainProblem.NO_SECRET:
        return f"Store it with `briefer credentials set {account or 'ACCOUNT'}`."
    return ""


def explain_unavailable(exc: CredentialsUnavailable) -> str:
    return " ".join(filter(None, (str(exc), keychain_advice(exc.problem, exc.account))))


def explain_status(status: BackendStatus) -> str:
    return " ".join(filter(None, (status.message, keychain_advice(status.problem))))


def _on_a_terminal() -> bool:
    """Whether a person can be asked (getpass reads /dev/tty, even when stdin is a pipe)."""
    try:
        with open("/dev/tty"):
            return True
    except OSError:
        return sys.stdin is not None and sys.stdin.isatty()


def _unlock_on_terminal(file: Path, new: bool) -> str | None:
    """The encrypted file's password from a hidden prompt; None without a terminal."""
    if not _on_a_terminal():
        return None
    if not new:
        return getpass.getpass(f"Password of the encrypted keyring file {file} (not shown): ")
    password = getpass.getpass(f"A password for the new encrypted keyring file {file} (not shown): ")
    if password != getpass.getpass("The same password again: "):
        raise ValueError("the two passwords differ; nothing was changed")
    return password


def open_credentials(data_dir: Path) -> CredentialStore:
    """The archive's chosen store (system keychain or encrypted file), as every command uses it."""
    return CredentialStore.chosen(data_dir, _unlock_on_terminal)


# -- credentials ------------------------------------------------------------------------
def _read_secret(account: str) -> str:
    """From a hidden prompt on a terminal, else from stdin (one line ending stripped)."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"Secret for {account} (not shown): ")
    data = sys.stdin.read() if sys.stdin is not None else ""
    return data.removesuffix("\n").removesuffix("\r")


def _cmd_credentials_set(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    store = open_credentials(data_dir)
    store.ensure_usable()  # before asking: no point typing a password that cannot be kept
    secret = _read_secret(args.account)
    if not secret:
        return _fail("no secret was given; nothing was stored")
    ref = store.set(args.account, secret, kind=args.kind, username=args.username or "")
    where = BackendChoice.of(data_dir)
    place = (
        f"the encrypted file {where.encrypted_file(data_dir)}" if where.encrypted else "the system keychain"
    )
    print(f"stored the {ref.kind} secret for {ref.account!r} in {place}")
    return 0


def _cmd_credentials_delete(args: argparse.Namespace) -> int:
    store = open_credentials(_data_dir(args))
    if not store.delete(args.account):
        return _fail(f"no stored credential {args.account!r}")
    print(f"deleted the credential {args.account!r}")
    return 0


def _cmd_credentials_list(args: argparse.Namespace) -> int:
    store = open_credentials(_data_dir(args))  # names only: the store itself is not opened
    refs = store.accounts()
    if args.json:
        print(json.dumps([{"account": r.account, "kind": r.kind, "username": r.username} for r in refs]))
        return 0
    if not refs:
        print("no stored credentials (add one with `briefer credentials set ACCOUNT`)")
    for ref in refs:
        user = f"  user {ref.username}" if ref.username else ""
        print(f"{ref.account:<24} {ref.kind:<7}{user}")
    return 0


def _cmd_credentials_check(args: argparse.Namespace) -> int:
    status = open_credentials(_data_dir(args)).status()
    print(explain_status(status))
    return 0 if status.usable else 1


def _cmd_backend_list(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    chosen = BackendChoice.of(data_dir)
    for name, what in BACKENDS.items():
        mark = "*" if name == chosen.backend else " "
        print(f"{mark} {name:<15} {what}")
        print(f"  {'':<15} {_backend_state(name, chosen, data_dir)}")
    return 0


def _backend_state(name: str, chosen: BackendChoice, data_dir: Path) -> str:
    """A backend's state in one line, without opening an encrypted file (that asks its password)."""
    if name == SYSTEM:
        return check_backend(probe=False).message
    file = chosen.encrypted_file(data_dir)
    return f"{file} ({'exists' if file.is_file() else 'not created yet'})"


def _cmd_backend_show(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    chosen = BackendChoice.of(data_dir)
    print(f"{chosen.backend}: {BACKENDS[chosen.backend]}")
    print(_backend_state(chosen.backend, chosen, data_dir))
    if chosen.backend == SYSTEM and BackendChoice.load(data_dir) is None:
        print(f"(the default; `{USE_ENCRYPTED_FILE}` chooses an encrypted file)")
    return 0


def _cmd_backend_use(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    if args.name == SYSTEM:
        if args.file:
            return _fail("--file goes with encrypted-file only")
        BackendChoice(SYSTEM).save(data_dir)
        status = check_backend()
        print(f"secrets are now kept in the system keychain. {status.message}")
        if not status.usable:
            print(f"briefer: note: {keychain_advice(status.problem)}", file=sys.stderr)
        return 0
    choice = BackendChoice(ENCRYPTED_FILE, Path(args.file).resolve() if args.file else None)
    file = choice.encrypted_file(data_dir)
    new = not file.is_file()
    password = _unlock_on_terminal(file, new)
    if not password:
        return _fail(
            "the encrypted file's password is asked on a terminal: run this command in one; "
            "nothing was changed"
        )
    file.parent.mkdir(parents=True, exist_ok=True)
    open_encrypted_file(file, password)  # creates a new file; refuses a wrong password for an old one
    choice.save(data_dir)
    print(
        f"secrets are now kept in the encrypted file {file} ({'created' if new else 'unlocked'}); "
        "its password is asked on the terminal whenever a command needs a secret"
    )
    if CredentialStore.for_data_dir(data_dir).accounts():
        print(
            "briefer: note: secrets stored before stay where they were; store each again with "
            "`briefer credentials set ACCOUNT`",
            file=sys.stderr,
        )
    return 0


# -- accounts -------------------------------------------------------------------------
def _cmd_accounts_add(args: argparse.Namespace) -> int:
    book = AccountBook.for_data_dir(_data_dir(args))
    account = SmtpAccount(
        name=args.name,
        host=args.host,
        port=args.port or DEFAULT_PORTS[args.security],
        security=args.security,
        user=args.user or "",
        sender=args.sender,
        credential=args.credential or "",
        cafile=str(Path(args.cafile).resolve()) if args.cafile else "",
    )
    book.put(account)
    print(f"saved {account.describe()}")
    if account.user:
        ref = account.credential_ref
        store = open_credentials(_data_dir(args))
        if store.ref(ref) is None:
            print(f"store its password with: briefer credentials set {ref}")
    return 0


def _cmd_accounts_list(args: argparse.Namespace) -> int:
    accounts = AccountBook.for_data_dir(_data_dir(args)).all()
    if not accounts:
        print("no SMTP accounts (add one with `briefer accounts add`)")
    for account in accounts:
        print(account.describe())
    return 0


def _cmd_accounts_remove(args: argparse.Namespace) -> int:
    if not AccountBook.for_data_dir(_data_dir(args)).remove(args.name):
        return _fail(f"no SMTP account {args.name!r}")
    print(
        f"removed the account {args.name!r} (its stored password, if any, stays until "
        f"`briefer credentials delete`)"
    )
    return 0


# -- recipients (the briefing's distribution list) ------------------------------------
def _cmd_recipients(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not (args.add or args.remove):
        return _print_recipients(list(storage.load(path).metadata.distribution))
    with storage.editing(path) as loaded:  # no other writer saves between this read and the save
        briefing = loaded.briefing
        current = list(briefing.metadata.distribution)
        gone = {address.strip().casefold() for address in args.remove or []}
        kept = [r for r in current if r.address.casefold() not in gone]
        unknown = gone - {r.address.casefold() for r in current}
        if unknown:
            return _fail(f"not on the distribution list: {', '.join(sorted(unknown))}")
        added = [parse_recipient(text) for text in args.add or []]
        new = unique_recipients([*kept, *added])  # may be empty: the last one removed
        edits.apply(briefing, edits.SetMetadata("distribution", new))
        storage.save(briefing, path, expected=loaded.revision)
    return _print_recipients(new)


def _print_recipients(current: list[Recipient]) -> int:
    if not current:
        print("the distribution list is empty")
    for recipient in current:
        print(recipient)
    return 0


# -- send -----------------------------------------------------------------------------
def _export_options(
    open_archive: OpenArchive, args: argparse.Namespace, briefing: Briefing
) -> dict[str, Any]:
    """What `export_docx` takes: the same quote check and clusters as `briefer export`."""
    options: dict[str, Any] = {
        "comments": args.comments,
        "allow_unverified": args.allow_unverified,
        "toc_pages": toc_pages.wanted(),
        "attach_pdf": args.attach_pdf,
    }
    if args.reference_docx:
        options["reference"] = Path(args.reference_docx)
    if not args.no_archive_check:
        with open_archive(args) as archive:
            lookups = ArchiveLookups.of(archive)
            checks, options["cluster_of"] = lookups.export_checks(briefing)
        options["checks"] = checks
        if checks.archive is not None and checks.archive.notice():
            print(f"briefer: warning: {checks.archive.notice()}", file=sys.stderr)
    return options


def _ask_on_terminal(account: str) -> str | None:
    if sys.stdin is None or not sys.stdin.isatty():
        return None
    return getpass.getpass(f"Password for {account} (kept in memory for this run only): ") or None


def _cmd_send(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    try:
        return _send(open_archive, args)
    except ReleaseBlocked as exc:
        return refused(exc, Path(args.file), "sent")
    except LibreOfficeMissing as exc:
        return _fail(
            f"{exc}; nothing was sent. Install it (Debian, Ubuntu: sudo apt-get install {exc.package}) "
            "or send without --attach-pdf"
        )


def _send(open_archive: OpenArchive, args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    briefing = storage.load(Path(args.file))
    recipients = [parse_recipient(text) for text in args.to or []]
    if not recipients_for(briefing, recipients):
        return _fail("nobody to send to: give --to ADDRESS, or add recipients with `briefer recipients`")
    options = _export_options(open_archive, args, briefing)
    ledger = Ledger.for_data_dir(data_dir)
    with tempfile.TemporaryDirectory(prefix="briefer-send-") as scratch:
        docx = Path(args.docx) if args.docx else Path(scratch) / docx_name(briefing)
        attached = docx.name + (f" and {docx.with_suffix('.pdf').name}" if args.attach_pdf else "")
        if args.eml:
            book = AccountBook.for_data_dir(data_dir)
            sender = book.get(args.account).sender if args.account else ""
            eml = Path(args.eml)
            report = save_draft(briefing, eml, docx, ledger, recipients=recipients, sender=sender, **options)
            print(f"saved the draft {eml} ({attached} attached); open it in your mail client to send it")
            print_warnings(report.findings)
            return 0
        account = AccountBook.for_data_dir(data_dir).get(args.account) if args.account else None
        account = account or AccountBook.for_data_dir(data_dir).default()
        store = open_credentials(data_dir)
        status = store.status()
        if not status.usable:
            print(f"briefer: note: {explain_status(status)}", file=sys.stderr)
        outcome = send_briefing(
            briefing,
            docx,
            account=account,
            store=store,
            ledger=ledger,
            recipients=recipients,
            ask=_ask_on_terminal,
            session=CredentialStore.for_session(),
            cafile=args.cafile,
            timeout=args.timeout,
            **options,
        )
    sent_to = ", ".join(str(r) for r in outcome.recipients if r.address not in outcome.refused)
    print(f"sent {attached} (sha256 {outcome.sha256[:12]}) via {account.name} to {sent_to}")
    print_warnings(outcome.report.findings if outcome.report is not None else ())
    for address, answer in outcome.refused.items():
        print(f"briefer: the server refused {address}: {answer}", file=sys.stderr)
    return 0 if outcome.result == "ok" else 1


# -- ledger -----------------------------------------------------------------------------
def _cmd_ledger(args: argparse.Namespace) -> int:
    ledger = Ledger.for_data_dir(_data_dir(args))
    entries = ledger.entries()
    if args.limit:
        entries = entries[-args.limit :]
    if not entries:
        print(f"the export ledger is empty ({ledger.path})", file=sys.stderr)
    for entry in entries:
        print(json.dumps(entry.as_json(), ensure_ascii=False) if args.json else entry.line())
    if ledger.bad_lines:
        print(
            f"briefer: {ledger.bad_lines} unreadable line(s) in {ledger.path} were skipped", file=sys.stderr
        )
    return 0


# -- the parser -------------------------------------------------------------------------
def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], open_archive: OpenArchive
) -> None:
    """Add `credentials`, `accounts`, `recipients`, `send` and `ledger`."""
    creds = commands.add_parser("credentials", help="passwords and tokens in the system keychain")
    sub = creds.add_subparsers(dest="credentials_command", metavar="ACTION", required=True)
    put = sub.add_parser("set", help="store a secret (read from a hidden prompt or stdin, never an argument)")
    put.add_argument("account", help="a name for it, e.g. the SMTP account's name or a feed's")
    put.add_argument("--kind", choices=KINDS, default="smtp", help="smtp (default), basic or bearer (feeds)")
    put.add_argument("--username", help="the user name for HTTP basic auth")
    put.set_defaults(run=_reporting(_cmd_credentials_set))
    delete = sub.add_parser("delete", help="forget a stored secret")
    delete.add_argument("account")
    delete.set_defaults(run=_reporting(_cmd_credentials_delete))
    listing = sub.add_parser("list", help="the stored credentials' names (never the secrets)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_reporting(_cmd_credentials_list))
    check = sub.add_parser("check", help="say whether the chosen keychain is usable, and what to do if not")
    check.set_defaults(run=_reporting(_cmd_credentials_check))
    backend = sub.add_parser(
        "backend",
        help="where secrets are kept: the system keychain (default) or an encrypted file",
        description="Without an action: show the one in use.",
    )
    backend.set_defaults(run=_reporting(_cmd_backend_show))
    choices = backend.add_subparsers(dest="backend_command", metavar="ACTION")
    choices.add_parser("list", help="the places secrets can be kept, * the one in use").set_defaults(
        run=_reporting(_cmd_backend_list)
    )
    choices.add_parser("show", help="the one in use").set_defaults(run=_reporting(_cmd_backend_show))
    use = choices.add_parser("use", help="keep this archive's secrets there from now on")
    use.add_argument("name", choices=list(BACKENDS), help=f"{SYSTEM} or {ENCRYPTED_FILE}")
    use.add_argument(
        "--file", metavar="PATH", help="the encrypted file (default: briefer-keyring.cfg in the data folder)"
    )
    use.set_defaults(run=_reporting(_cmd_backend_use))

    accounts = commands.add_parser("accounts", help="SMTP accounts for sending briefings")
    sub = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add or replace an SMTP account (its password: `credentials set`)")
    add.add_argument("name")
    add.add_argument("--host", required=True)
    add.add_argument("--port", type=int, help="default 587 for starttls, 465 for tls")
    add.add_argument("--security", choices=SECURITY, default="starttls")
    add.add_argument("--user", help="login name (omit when the server needs no login)")
    add.add_argument("--from", dest="sender", required=True, metavar="ADDRESS", help="the From address")
    add.add_argument(
        "--credential", metavar="NAME", help="stored credential to use (default: the account name)"
    )
    add.add_argument("--cafile", metavar="PEM", help="your organisation's CA certificates, if it has its own")
    add.set_defaults(run=_reporting(_cmd_accounts_add))
    sub.add_parser("list", help="the SMTP accounts").set_defaults(run=_reporting(_cmd_accounts_list))
    remove = sub.add_parser("remove", help="remove an SMTP account")
    remove.add_argument("name")
    remove.set_defaults(run=_reporting(_cmd_accounts_remove))

    recipients = commands.add_parser("recipients", help="show or change a briefing's distribution list")
    recipients.add_argument("file", help="the .briefing file")
    recipients.add_argument("--add", nargs="+", metavar="ADDRESS", help='"Name <addr@example.org>" or addr')
    recipients.add_argument("--remove", nargs="+", metavar="ADDRESS")
    recipients.set_defaults(run=_reporting(_cmd_recipients))

    send = commands.add_parser("send", help="export a briefing and e-mail it, or save an .eml draft")
    send.add_argument("file", help="the .briefing file")
    send.add_argument("--to", nargs="+", metavar="ADDRESS", help="default: the briefing's distribution list")
    send.add_argument("--account", metavar="NAME", help="SMTP account (default: the only one)")
    send.add_argument("--eml", metavar="OUT.eml", help="save a draft for your mail client instead of sending")
    send.add_argument("--docx", metavar="OUT.docx", help="keep a copy of the attached Word document")
    send.add_argument(
        "--attach-pdf",
        action="store_true",
        help="attach a PDF of the document too (needs LibreOffice; with --docx, kept beside it)",
    )
    send.add_argument("--cafile", metavar="PEM", help="extra CA certificates to trust for this send")
    send.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server")
    send.add_argument("--reference-docx", metavar="STYLE.docx", help="your organisation's styles")
    send.add_argument(
        "--comments",
        choices=COMMENT_MODES,
        help="analyst comments on excerpts (default: omitted: recipients get a distribution copy)",
    )
    send.add_argument(
        "--no-archive-check",
        action="store_true",
        help="do not check sources against the archive, nor that it is the briefing's archive "
        "(without it: exit status 2 when the archive holds none of the quoted documents)",
    )
    send.add_argument(
        "--allow-unverified",
        action="store_true",
        help="send even when quotes no longer match their source (the copy sent does not mark them)",
    )
    send.set_defaults(run=_reporting(functools.partial(_cmd_send, open_archive)))

    ledger = commands.add_parser("ledger", help="the record of every export, draft and send")
    ledger.add_argument("--json", action="store_true", help="one JSON object per line")
    ledger.add_argument("--limit", type=int, default=0, help="only the last N entries")
    ledger.set_defaults(run=_reporting(_cmd_ledger))
