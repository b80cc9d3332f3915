"""The credential store, SMTP account settings, and the `credentials`/`accounts`/`send` commands.

An in-memory keyring stands in for the system keychain throughout; the last
test uses every credential end to end and then searches every file the run
left (data directory, settings, logs, drafts) for the secrets.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest
from keyring.backends import fail, null

from briefer.cli import main
from briefer.core import credentials
from briefer.core.credentials import (
    BackendChoice,
    CredentialStore,
    CredentialsUnavailable,
    KeychainProblem,
    SessionKeyring,
    check_backend,
    obtain_secret,
)
from briefer.core.distribution.accounts import AccountBook, AccountError, SmtpAccount
from tests.core.cli_support import Cli
from tests.core.smtp_server import PASSWORD, USER, MemoryKeyring, make_certificate, smtp_server

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def memory(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """The process-wide keyring (what the CLI finds): an in-memory one."""
    return memory_keyring


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(data: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(data, capsys, monkeypatch)


# -- the store -----------------------------------------------------------------------------
def test_roundtrip_and_the_registry_holds_names_only(data: Path) -> None:
    backend = MemoryKeyring()
    store = CredentialStore.for_data_dir(data, backend)
    store.set("work", "pw-1")
    store.set("feeds", "tok-2", kind="bearer")
    store.set("Archive", "pw-3", kind="basic", username="bob")
    assert store.get("work") == "pw-1" and store.get("missing") is None
    assert backend.store[("Briefer", "feeds")] == "tok-2"
    assert [r.account for r in store.accounts()] == ["Archive", "feeds", "work"]
    registry = (data / "credentials.json").read_text(encoding="utf-8")
    assert "pw-1" not in registry and "tok-2" not in registry and "pw-3" not in registry
    assert json.loads(registry)["accounts"][0] == {"account": "Archive", "kind": "basic", "username": "bob"}
    assert (data / "credentials.json").stat().st_mode & 0o077 == 0
    assert store.delete("work") and not store.delete("work")
    assert store.get("work") is None and [r.account for r in store.accounts()] == ["Archive", "feeds"]


def test_http_headers_for_feeds(data: Path) -> None:
    store = CredentialStore.for_data_dir(data, MemoryKeyring())
    store.set("token", "abc123", kind="bearer")
    store.set("basic", "s3cret", kind="basic", username="bob")
    assert store.http_headers("token") == {"Authorization": "Bearer abc123"}
    expected = base64.b64encode(b"bob:s3cret").decode()
    assert store.http_headers("basic") == {"Authorization": f"Basic {expected}"}
    assert store.http_headers("nothing") == {}
    with pytest.raises(ValueError, match="user name"):
        store.set("x", "y", kind="basic")


def test_bad_requests(data: Path) -> None:
    store = CredentialStore.for_data_dir(data, MemoryKeyring())
    for name in ("", "a\nb", "x" * 101):
        with pytest.raises(ValueError):
            store.set(name, "pw")
    with pytest.raises(ValueError, match="empty"):
        store.set("ok", "")
    with pytest.raises(ValueError, match="kind"):
        store.set("ok", "pw", kind="ftp")


# -- no usable backend ------------------------------------------------------------------------
class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"could not store {password}")  # a careless backend


def test_check_backend_explains_in_plain_words() -> None:
    status = check_backend(fail.Keyring())
    assert not status.usable and status.problem is KeychainProblem.NOT_FOUND
    assert "No system keychain was found." in status.message
    assert credentials.platform_advice() in status.message  # how to get one: true wherever it is read
    assert not check_backend(null.Keyring()).usable
    locked = check_backend(LockedKeyring())
    assert not locked.usable and "locked" in locked.message and locked.problem is KeychainProblem.LOCKED
    ok = check_backend(MemoryKeyring())
    assert ok.usable and "smtp_server.MemoryKeyring" in ok.backend


def test_a_backend_that_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError(
            "Unable to initialize SecretService: Environment variable DBUS_SESSION_BUS_ADDRESS"
        )

    monkeypatch.setattr(keyring, "get_keyring", broken)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    status = check_backend()
    assert not status.usable and "PYTHON_KEYRING_BACKEND" in status.message
    with pytest.raises(CredentialsUnavailable, match="could not be used"):
        CredentialStore(None).get("x")


def test_plaintext_backends_are_never_used() -> None:
    class PlaintextKeyring(MemoryKeyring):
        pass

    status = check_backend(PlaintextKeyring())
    assert not status.usable and "plain file" in status.message


def test_errors_never_carry_the_secret(data: Path) -> None:
    store = CredentialStore.for_data_dir(data, LockedKeyring())
    with pytest.raises(CredentialsUnavailable) as failure:
        store.set("work", "hunter2-secret")
    assert "hunter2-secret" not in str(failure.value)
    assert failure.value.__cause__ is None and failure.value.__suppress_context__
    with pytest.raises(CredentialsUnavailable, match="locked"):
        store.get("work")
    failing = CredentialStore.for_data_dir(data, fail.Keyring())
    with pytest.raises(CredentialsUnavailable, match="No system keychain"):
        failing.set("work", "pw")
    assert not (data / "credentials.json").exists()


def test_keyring_never_picks_the_session_store_on_its_own() -> None:
    # keyring considers every backend class it knows; a chosen SessionKeyring would pose as a keychain.
    viable = {type(b) for b in keyring.backend.get_all_keyring()}
    assert SessionKeyring not in viable
    status = CredentialStore.for_session().status()
    assert status.usable and "in memory" in status.message


def test_session_fallback_asks_once_and_keeps_it_in_memory(data: Path) -> None:
    store = CredentialStore.for_data_dir(data, fail.Keyring())
    session = CredentialStore.for_session()
    asked: list[str] = []

    def ask(name: str) -> str:
        asked.append(name)
        return "typed"

    assert obtain_secret("work", store, ask, session) == "typed"
    assert obtain_secret("work", store, ask, session) == "typed"
    assert asked == ["work"] and isinstance(session.backend, SessionKeyring)
    assert not data.exists()  # nothing written anywhere
    with pytest.raises(CredentialsUnavailable, match="No system keychain"):
        obtain_secret("other", store, lambda name: None, session)
    stored = CredentialStore.for_data_dir(data, MemoryKeyring())
    with pytest.raises(CredentialsUnavailable, match="No password is stored for 'other'") as nothing:
        obtain_secret("other", stored)
    assert nothing.value.problem is KeychainProblem.NO_SECRET and nothing.value.account == "other"


def test_encrypted_file_is_opt_in(tmp_path: Path) -> None:
    pytest.importorskip("keyrings.cryptfile")
    store = CredentialStore.encrypted_file(tmp_path, tmp_path / "secrets.cfg", "master")
    store.set("work", "pw-in-file")
    assert store.get("work") == "pw-in-file"
    assert b"pw-in-file" not in (tmp_path / "secrets.cfg").read_bytes()
    with pytest.raises(CredentialsUnavailable, match="Wrong password"):
        CredentialStore.encrypted_file(tmp_path, tmp_path / "secrets.cfg", "wrong")


def test_encrypted_file_without_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        raise ImportError(name)

    monkeypatch.setattr(credentials.importlib, "import_module", missing)
    with pytest.raises(CredentialsUnavailable, match=r"pip install keyrings\.cryptfile"):
        CredentialStore.encrypted_file(tmp_path, tmp_path / "x.cfg", "pw")


# -- SMTP accounts --------------------------------------------------------------------------------
def test_accounts_file_keeps_settings_not_secrets(data: Path) -> None:
    book = AccountBook.for_data_dir(data)
    book.put(SmtpAccount("work", "smtp.agency.example", 587, "starttls", "alice", "a@agency.example"))
    book.put(SmtpAccount("home", "mail.example", 465, "tls", "", "me@mail.example", credential="x"))
    assert [a.name for a in book.all()] == ["home", "work"]
    assert book.get("work").credential_ref == "work" and book.get("home").credential_ref == "x"
    with pytest.raises(AccountError, match="several"):
        book.default()
    assert book.remove("home") and not book.remove("home")
    assert book.default().name == "work"
    with pytest.raises(AccountError, match="no SMTP account 'nope'"):
        book.get("nope")
    raw = json.loads(book.path.read_text(encoding="utf-8"))
    raw["accounts"][0]["password"] = "oops"
    book.path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(AccountError, match="keychain only"):
        book.all()


@pytest.mark.parametrize(
    "changes",
    [{"port": 0}, {"security": "plain"}, {"sender": "nobody"}, {"host": "a b"}, {"name": ""}],
)
def test_bad_account_settings(changes: dict[str, Any]) -> None:
    values: dict[str, Any] = dict(name="w", host="h.example", port=587, security="starttls", user="u")
    values |= {"sender": "a@b.example"} | changes
    with pytest.raises(AccountError):
        SmtpAccount(**values)


# -- the commands -----------------------------------------------------------------------------------
def test_credentials_commands(cli: Cli, memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("credentials", "set", "work", stdin="pw from a pipe\n") == 0
    assert memory.store[("Briefer", "work")] == "pw from a pipe"
    assert cli("credentials", "set", "feed", "--kind", "basic", "--username", "bob", stdin="x1\r\n") == 0
    assert memory.store[("Briefer", "feed")] == "x1"
    monkeypatch.setattr("getpass.getpass", lambda prompt: "typed-at-a-prompt")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    assert main(["--data-dir", str(cli.data), "credentials", "set", "prompted"]) == 0
    assert memory.store[("Briefer", "prompted")] == "typed-at-a-prompt"
    assert cli("credentials", "list") == 0
    assert "feed" in cli.out and "basic" in cli.out and "bob" in cli.out
    assert "x1" not in cli.out and "pw from a pipe" not in cli.out
    assert cli("credentials", "list", "--json") == 0
    assert {r["account"] for r in json.loads(cli.out)} == {"work", "feed", "prompted"}
    assert cli("credentials", "set", "empty", stdin="") == 1 and "nothing was stored" in cli.err
    assert cli("credentials", "delete", "work") == 0 and ("Briefer", "work") not in memory.store
    assert cli("credentials", "delete", "work") == 1
    assert cli("credentials", "check") == 0 and "MemoryKeyring" in cli.out


def test_a_secret_is_never_an_argument(cli: Cli, memory: MemoryKeyring) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli("credentials", "set", "work", "my-password")
    assert exit_.value.code == 2 and memory.store == {}


def test_credentials_set_without_a_keychain_says_what_to_do(cli: Cli) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert cli("credentials", "set", "work", stdin="pw") == 1
        assert "No system keychain was found" in cli.err
        assert "`briefer credentials backend use encrypted-file`" in cli.err  # a command that exists
        assert "Settings" not in cli.err  # the window's controls are no help on a command line
        assert cli("credentials", "check") == 1
    finally:
        keyring.set_keyring(previous)
    assert not (cli.data / "credentials.json").exists()


class AutoPickedCryptFile(MemoryKeyring):
    """What keyring chooses on a machine without a keychain when keyrings.cryptfile is installed."""


AutoPickedCryptFile.__module__ = "keyrings.cryptfile.cryptfile"


def test_the_command_line_is_told_its_own_way_to_the_encrypted_file(cli: Cli) -> None:
    """Issue #17: `briefer credentials set` told a command-line user to "choose it explicitly in Settings"."""
    previous = keyring.get_keyring()
    keyring.set_keyring(AutoPickedCryptFile())
    try:
        assert cli("credentials", "set", "work", stdin="pw") == 1
    finally:
        keyring.set_keyring(previous)
    assert "the encrypted-file keyring (keyrings.cryptfile) is installed" in cli.err
    assert "choose it: `briefer credentials backend use encrypted-file`" in cli.err
    assert "Settings" not in cli.err
    status = check_backend(AutoPickedCryptFile())  # the core states the fact and names no front end's control
    assert status.problem is KeychainProblem.ENCRYPTED_FILE_NOT_CHOSEN
    assert "Settings" not in status.message and "briefer " not in status.message


def test_core_keychain_messages_name_no_front_end(data: Path) -> None:
    for backend in (fail.Keyring(), null.Keyring(), LockedKeyring(), AutoPickedCryptFile()):
        for text in (
            check_backend(backend).message,
            _failure(CredentialStore(None, backend).set, "a", "b"),
        ):
            assert "Settings" not in text and "briefer " not in text and "\u2192" not in text, text
    nothing = _failure(obtain_secret, "work", CredentialStore.for_data_dir(data, MemoryKeyring()))
    assert "briefer " not in nothing


def _failure(action: Any, *args: Any) -> str:
    with pytest.raises(CredentialsUnavailable) as failure:
        action(*args)
    assert isinstance(failure.value.problem, KeychainProblem)
    return str(failure.value)


def test_accounts_commands(cli: Cli, memory: MemoryKeyring) -> None:
    args = ["--host", "smtp.agency.example", "--user", "alice", "--from", "a@agency.example"]
    assert cli("accounts", "add", "work", *args) == 0
    assert "587 starttls" in cli.out and "briefer credentials set work" in cli.out
    assert cli("accounts", "add", "smtps", *args, "--security", "tls") == 0 and ":465 tls" in cli.out
    assert cli("accounts", "list") == 0 and cli.out.count("\n") == 2
    assert cli("accounts", "add", "bad", *args, "--port", "70000") == 1 and "65535" in cli.err
    assert cli("accounts", "remove", "smtps") == 0
    assert cli("accounts", "remove", "smtps") == 1


def test_recipients_command(cli: Cli, tmp_path: Path) -> None:
    brief = tmp_path / "b.briefing"
    assert cli("brief", "new", "-o", str(brief), "--title", "T") == 0
    assert cli("recipients", str(brief)) == 0 and "empty" in cli.out
    assert cli("recipients", str(brief), "--add", "Desk <desk@agency.example>", "b@agency.example") == 0
    assert cli.out.splitlines() == ["Desk <desk@agency.example>", "b@agency.example"]
    assert cli("recipients", str(brief), "--add", "not an address") == 1
    assert cli("recipients", str(brief), "--remove", "DESK@agency.example") == 0
    assert cli.out.splitlines() == ["b@agency.example"]
    assert cli("recipients", str(brief), "--remove", "x@agency.example") == 1
    saved = json.loads(brief.read_text(encoding="utf-8"))
    assert saved["metadata"]["distribution"] == [{"name": "", "address": "b@agency.example"}]
    assert cli("recipients", str(brief), "--remove", "b@agency.example") == 0  # the last one can go too
    assert "empty" in cli.out
    assert json.loads(brief.read_text(encoding="utf-8"))["metadata"]["distribution"] == []


# -- the end-to-end leak check -----------------------------------------------------------------------
def test_no_secret_is_written_anywhere_after_using_every_credential(
    cli: Cli, memory: MemoryKeyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.setenv(variable, str(tmp_path / "home" / variable.lower()))
    log_file = tmp_path / "logs" / "briefer.log"
    log_file.parent.mkdir()
    handler = logging.FileHandler(log_file, encoding="utf-8")  # everything Briefer logs, at DEBUG
    handler.addFilter(lambda record: not record.name.startswith("mail.log"))  # the test server's own log
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    basic_secret, token = "basic-pw-5d1e8b", "bearer-token-9a7c2f"
    certificate = make_certificate(tmp_path / "tls")
    brief, eml = tmp_path / "b.briefing", tmp_path / "draft.eml"
    try:
        assert cli("-v", "credentials", "set", "work", stdin=PASSWORD + "\n") == 0
        assert (
            cli(
                "credentials", "set", "feed-basic", "--kind", "basic", "--username", "bob", stdin=basic_secret
            )
            == 0
        )
        assert cli("credentials", "set", "feed-token", "--kind", "bearer", stdin=token) == 0
        assert cli("brief", "new", "-o", str(brief), "--title", "Leak check") == 0
        assert cli("recipients", str(brief), "--add", "Desk <desk@agency.example>") == 0
        with smtp_server(certificate) as server, smtp_server(certificate, "plain") as plain:
            common = ["--host", server.host, "--user", USER, "--from", "a@agency.example"]
            assert (
                cli("accounts", "add", "work", *common, "--port", str(server.port), "--cafile", server.cafile)
                == 0
            )
            assert (
                cli("-v", "send", str(brief), "--account", "work", "--no-archive-check", "--timeout", "5")
                == 0
            )
            assert cli.out.startswith("sent BRF-") and "to Desk <desk@agency.example>" in cli.out
            assert (
                cli("accounts", "add", "plain", *common, "--port", str(plain.port), "--credential", "work")
                == 0
            )
            assert (
                cli("-v", "send", str(brief), "--account", "plain", "--no-archive-check", "--timeout", "5")
                == 1
            )
            assert "does not offer STARTTLS" in cli.err
        assert len(server.sink.messages) == 1 and plain.sink.messages == []
        assert cli("send", str(brief), "--eml", str(eml), "--account", "work", "--no-archive-check") == 0
        assert cli("export", str(brief), "-o", str(tmp_path / "b.docx"), "--no-archive-check") == 0
        store = CredentialStore.for_data_dir(cli.data)
        assert store.http_headers("feed-basic")["Authorization"].startswith("Basic ")
        assert store.http_headers("feed-token") == {"Authorization": f"Bearer {token}"}
        for command in (["credentials", "list"], ["accounts", "list"], ["ledger"], ["ledger", "--json"]):
            assert cli(*command) == 0
        assert [e["action"] for e in map(json.loads, cli.out.splitlines())] == [
            "send",
            "send",
            "draft",
            "export",
        ]
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old_level)

    assert memory.store[("Briefer", "work")] == PASSWORD  # the secrets are in the keychain ...
    forms = {PASSWORD, basic_secret, token, f"bob:{basic_secret}"}
    forms |= {base64.b64encode(s.encode()).decode() for s in list(forms)}
    forms.add(base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode())  # AUTH PLAIN
    assert "stored the smtp secret for 'work'" in log_file.read_text(encoding="utf-8")
    assert "sending BRF-" in log_file.read_text(encoding="utf-8")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "exports.jsonl" for p in files) and log_file in files and eml in files
    for path in files:  # ... and nowhere else: data dir, settings, logs, drafts, exports
        content = path.read_bytes()
        for secret in forms:
            assert secret.encode() not in content, f"a secret is in {path}"
    for text in cli.printed:
        assert not any(secret in text for secret in forms)


def test_send_command_explains_what_is_missing(cli: Cli, memory: MemoryKeyring, tmp_path: Path) -> None:
    brief = tmp_path / "b.briefing"
    assert cli("brief", "new", "-o", str(brief), "--title", "T") == 0
    assert cli("send", str(brief), "--no-archive-check") == 1 and "nobody to send to" in cli.err
    assert cli("send", str(brief), "--to", "a@agency.example", "--no-archive-check") == 1
    assert "no SMTP account is set up" in cli.err
    assert cli("send", str(brief), "--to", "not-an-address", "--no-archive-check") == 1
    assert "not an e-mail address" in cli.err
    assert cli("ledger") == 0  # the refusals above happened before any export or send


# -- choosing where secrets are kept ---------------------------------------------------------------
FILE_PASSWORD = "file-pass-7c41"


@pytest.fixture
def cheap_encrypted_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """keyrings.cryptfile with a cheap key derivation: each unlock costs seconds otherwise."""
    cryptfile = pytest.importorskip("keyrings.cryptfile.cryptfile")
    for name, value in (("time_cost", 1), ("memory_cost", 64), ("parallelism", 1)):
        monkeypatch.setattr(cryptfile.CryptFileKeyring, name, value)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, cheap_encrypted_file: None) -> list[str]:
    """A person at a terminal who types FILE_PASSWORD at every hidden prompt; the prompts are kept."""
    prompts: list[str] = []

    def typed(prompt: str) -> str:
        prompts.append(prompt)
        return FILE_PASSWORD

    monkeypatch.setattr("briefer.cli.distribution._on_a_terminal", lambda: True)
    monkeypatch.setattr("getpass.getpass", typed)
    return prompts


def test_the_command_line_chooses_the_encrypted_file_explicitly(
    cli: Cli, memory: MemoryKeyring, terminal: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("credentials", "backend") == 0
    assert cli.out.startswith("system:") and "(the default;" in cli.out
    assert cli("credentials", "backend", "list") == 0
    lines = cli.out.splitlines()
    assert lines[0].startswith("* system") and lines[2].startswith("  encrypted-file")
    assert "briefer-keyring.cfg (not created yet)" in lines[3]

    assert cli("credentials", "backend", "use", "encrypted-file") == 0, cli.err
    file = cli.data / "briefer-keyring.cfg"
    assert file.is_file() and "(created)" in cli.out
    assert len(terminal) == 2 and "again" in terminal[1]  # a new file's password is typed twice
    assert BackendChoice.of(cli.data) == BackendChoice("encrypted-file", file.resolve())
    assert cli("credentials", "backend", "show") == 0 and cli.out.startswith("encrypted-file:")

    assert cli("credentials", "set", "work", stdin="smtp-secret-5b2e\n") == 0, cli.err
    assert f"in the encrypted file {file.resolve()}" in cli.out
    assert memory.store == {}  # not in the system keychain
    assert CredentialStore.encrypted_file(cli.data, file, FILE_PASSWORD).get("work") == "smtp-secret-5b2e"
    assert b"smtp-secret-5b2e" not in file.read_bytes()
    assert cli("credentials", "check") == 0 and "encrypted file" in cli.out

    monkeypatch.setattr("getpass.getpass", lambda prompt: "wrong")
    assert cli("credentials", "check") == 1 and "Wrong password" in cli.out
    monkeypatch.setattr("briefer.cli.distribution._on_a_terminal", lambda: False)
    assert cli("credentials", "set", "other", stdin="x") == 1
    assert "its password was not given" in cli.err and "`briefer credentials backend use system`" in cli.err
    assert cli("credentials", "list") == 0 and "work" in cli.out  # names only: no password needed

    assert cli("credentials", "backend", "use", "system") == 0
    assert cli("credentials", "set", "other", stdin="in-the-keychain") == 0
    assert memory.store == {("Briefer", "other"): "in-the-keychain"}


def test_choosing_the_encrypted_file_needs_a_terminal_and_the_right_password(
    cli: Cli, terminal: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("briefer.cli.distribution._on_a_terminal", lambda: False)
    assert cli("credentials", "backend", "use", "encrypted-file") == 1
    assert "run this command in one" in cli.err and BackendChoice.load(cli.data) is None
    monkeypatch.setattr("briefer.cli.distribution._on_a_terminal", lambda: True)
    typed = iter(["one", "two"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    assert cli("credentials", "backend", "use", "encrypted-file") == 1 and "differ" in cli.err
    elsewhere = cli.data.parent / "keys" / "mine.cfg"
    monkeypatch.setattr("getpass.getpass", lambda prompt: FILE_PASSWORD)
    assert cli("credentials", "backend", "use", "encrypted-file", "--file", str(elsewhere)) == 0
    assert cli("credentials", "backend", "use", "system") == 0
    monkeypatch.setattr("getpass.getpass", lambda prompt: "not it")
    assert cli("credentials", "backend", "use", "encrypted-file", "--file", str(elsewhere)) == 1
    assert "Wrong password" in cli.err and BackendChoice.of(cli.data).backend == "system"
