"""Secrets (SMTP passwords, feed passwords and tokens) in the system keychain, never in a file.

This is the only module that imports `keyring`.  Settings and account files keep
a *reference* (the account name); the secret itself lives under the service name
"Briefer" in the keychain that `keyring` finds (macOS Keychain, Windows
Credential Manager, the Secret Service on Linux).

keyring cannot list what it holds, so the store keeps a small registry beside
the other settings (`credentials.json`: account names, kinds and user names,
never a secret) for `briefer credentials list` and the Settings dialog.

When no usable keychain exists, `check_backend()` says so in plain words (the
fact, and how to get a keychain on this platform) with a typed reason, a
`KeychainProblem`; each front end adds what it offers instead, naming its own
controls or commands.  Callers may continue with `CredentialStore.for_session()`:
the secrets asked for are then kept in memory until the program ends.  Briefer
never falls back to a plaintext file; an encrypted file (keyrings.cryptfile) is
an explicit opt-in whose password the caller supplies (from a dialog or the
terminal, never keyring's own prompt).  The choice is kept per archive
(`BackendChoice`, `keychain.json` in the data directory), so the window and the
command line use the same store.
"""

from __future__ import annotations

import base64
import enum
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.compat import properties

from briefer.core import atomic_write
from briefer.core.errors import BrieferError

log = logging.getLogger(__name__)

SERVICE = "Briefer"
KINDS = ("smtp", "basic", "bearer", "team")  # SMTP login, HTTP basic auth, HTTP bearer token, team archive
REGISTRY_FILE = "credentials.json"
CHOICE_FILE = "keychain.json"
ENCRYPTED_FILE_NAME = "briefer-keyring.cfg"
SYSTEM = "system"
ENCRYPTED_FILE = "encrypted-file"
BACKENDS = {
    SYSTEM: "the system keychain (macOS Keychain, Windows Credential Manager, a Secret Service on Linux)",
    ENCRYPTED_FILE: "an encrypted file (keyrings.cryptfile) whose password is typed when Briefer needs it",
}
_PROBE_ACCOUNT = "briefer-backend-check"

AskSecret = Callable[[str], "str | None"]  # account name -> the secret typed by the user, or None
# (encrypted file, whether it is new) -> the file's password, or None when nobody can be asked
Unlock = Callable[[Path, bool], "str | None"]


class KeychainProblem(enum.Enum):
    """Why secrets cannot be stored or read.  Front ends word what to do about each."""

    NOT_FOUND = "not-found"  # no system keychain
    LOCKED = "locked"
    DISABLED = "disabled"  # keyring's null backend
    PLAINTEXT_ONLY = "plaintext-only"
    ENCRYPTED_FILE_NOT_CHOSEN = "encrypted-file-not-chosen"  # keyring fell back on keyrings.cryptfile
    ASKED_ON_TERMINAL = "asked-on-terminal"  # a backend prompted on a terminal nobody reads
    CANNOT_OPEN = "cannot-open"
    FAILED = "failed"  # anything else a backend raised
    ENCRYPTED_FILE_UNAVAILABLE = "encrypted-file-unavailable"  # keyrings.cryptfile is not installed
    ENCRYPTED_FILE_LOCKED = "encrypted-file-locked"  # chosen, but its password was not given
    WRONG_PASSWORD = "wrong-password"  # of the encrypted file
    NO_SECRET = "no-secret"  # the store works and holds nothing for the account

    @property
    def system_keychain(self) -> bool:
        """Whether the system keychain is what fails (so another store would help)."""
        return self in _SYSTEM_KEYCHAIN_PROBLEMS


_SYSTEM_KEYCHAIN_PROBLEMS = frozenset(KeychainProblem) - {
    KeychainProblem.ENCRYPTED_FILE_UNAVAILABLE,
    KeychainProblem.ENCRYPTED_FILE_LOCKED,
    KeychainProblem.WRONG_PASSWORD,
    KeychainProblem.NO_SECRET,
}


class CredentialsUnavailable(BrieferError):
    """No usable keychain, or it refused the request, or it holds no secret for the account.

    The message states the fact (and, for the system keychain, how to get one on
    this platform), never a secret and never a front end's control or command:
    front ends add what they offer from `problem`.
    """

    def __init__(self, message: str, *, problem: KeychainProblem, account: str = "") -> None:
        super().__init__(message)
        self.problem = problem
        self.account = account


@dataclass(frozen=True)
class BackendStatus:
    usable: bool
    backend: str  # the backend's class, e.g. "keyring.backends.SecretService.Keyring"
    message: str  # plain words: what is used, or what is wrong (front ends add what to do)
    problem: KeychainProblem | None = None  # why it is not usable

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class BackendChoice:
    """Where an archive's secrets are kept: `SYSTEM` (the default) or `ENCRYPTED_FILE`.

    Kept in the data directory (`keychain.json`, no secret in it) so that every
    front end opens the same store.
    """

    backend: str = SYSTEM
    file: Path | None = None  # the encrypted file; None: ENCRYPTED_FILE_NAME in the data directory

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown keychain {self.backend!r}; choose one of {', '.join(BACKENDS)}")

    @property
    def encrypted(self) -> bool:
        return self.backend == ENCRYPTED_FILE

    def encrypted_file(self, data_dir: Path) -> Path:
        return self.file or data_dir / ENCRYPTED_FILE_NAME

    @classmethod
    def load(cls, data_dir: Path) -> BackendChoice | None:
        """The stored choice; None when none was made.  ValueError for an unreadable file."""
        path = data_dir / CHOICE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            file = data.get("file")
            return cls(str(data["backend"]), Path(file) if file else None)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path} cannot be read ({exc}); move it away to choose again") from None

    @classmethod
    def of(cls, data_dir: Path) -> BackendChoice:
        """The stored choice, else the default (the system keychain)."""
        return cls.load(data_dir) or cls()

    def save(self, data_dir: Path) -> None:
        data: dict[str, str] = {"backend": self.backend}
        if self.encrypted:
            data["file"] = str(self.encrypted_file(data_dir).resolve())
        write_json_atomically(data_dir / CHOICE_FILE, data)


@dataclass(frozen=True)
class CredentialRef:
    """What may be shown about a stored credential: everything but the secret."""

    account: str
    kind: str = "smtp"
    username: str = ""  # for HTTP basic auth (SMTP accounts keep their user in the account settings)


# -- the backend ----------------------------------------------------------------
def platform_advice() -> str:
    """How to get a usable system keychain on this platform (true for every front end)."""
    if sys.platform == "darwin":
        return "Briefer keeps passwords in your login keychain: open Keychain Access and unlock it."
    if sys.platform == "win32":
        return "Briefer keeps passwords in the Windows Credential Manager: sign in to Windows normally."
    return (
        "On Linux, Briefer keeps passwords in your desktop's Secret Service (GNOME Keyring, KWallet "
        "or KeePassXC): start one and unlock it. Without a desktop, run Briefer inside "
        "`dbus-run-session` after `gnome-keyring-daemon --unlock`."
    )


def _name(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


Reason = tuple[KeychainProblem, str]  # the problem and its fact, in plain words


def _with_advice(reason: Reason) -> str:
    problem, fact = reason
    return f"{fact} {platform_advice()}" if problem.system_keychain else fact


def _unavailable(reason: Reason, prefix: str = "") -> CredentialsUnavailable:
    return CredentialsUnavailable(prefix + _with_advice(reason), problem=reason[0])


def _describe_failure(exc: BaseException) -> Reason:
    if isinstance(exc, keyring.errors.KeyringLocked):
        return KeychainProblem.LOCKED, "The system keychain is locked."
    if isinstance(exc, keyring.errors.NoKeyringError):
        return KeychainProblem.NOT_FOUND, "No system keychain was found."
    if isinstance(exc, EOFError):
        return KeychainProblem.ASKED_ON_TERMINAL, "The keychain tried to ask for its password on a terminal."
    if isinstance(exc, keyring.errors.InitError):
        return KeychainProblem.CANNOT_OPEN, f"The system keychain could not be opened ({exc})."
    hint = " (check the PYTHON_KEYRING_BACKEND variable)" if os.environ.get("PYTHON_KEYRING_BACKEND") else ""
    return KeychainProblem.FAILED, f"The keychain could not be used: {type(exc).__name__}: {exc}{hint}."


def _refusal(backend: KeyringBackend) -> Reason | None:
    """Why this backend must not be used, or None when nothing is wrong with it."""
    if isinstance(backend, fail.Keyring):
        return KeychainProblem.NOT_FOUND, "No system keychain was found."
    if isinstance(backend, null.Keyring):
        return KeychainProblem.DISABLED, "The keychain is disabled (keyring's null backend stores nothing)."
    name = _name(backend)
    if "plaintext" in name.lower():
        return (
            KeychainProblem.PLAINTEXT_ONLY,
            "The only keychain available stores passwords in a plain file; Briefer will not use it.",
        )
    if name.startswith("keyrings.cryptfile") and not getattr(backend, "briefer_opt_in", False):
        return (
            KeychainProblem.ENCRYPTED_FILE_NOT_CHOSEN,
            "No system keychain was found; the encrypted-file keyring (keyrings.cryptfile) is installed, "
            "but Briefer uses it only when you choose it.",
        )
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        if not chained:
            return KeychainProblem.NOT_FOUND, "No system keychain was found."
        return _refusal(chained[0])  # the chain stores in its first backend
    return None


def current_backend() -> KeyringBackend:
    """The backend keyring chose; CredentialsUnavailable if choosing it failed."""
    try:
        return keyring.get_keyring()
    except Exception as exc:  # a backend named by PYTHON_KEYRING_BACKEND that fails raises RuntimeError
        raise _unavailable(_describe_failure(exc)) from None


def check_backend(backend: KeyringBackend | None = None, *, probe: bool = True) -> BackendStatus:
    """Whether secrets can be stored, in plain words.  Never raises.

    With `probe`, a harmless read is tried too, which finds a locked or broken
    keychain (it may make the system show its unlock dialog).
    """
    try:
        chosen = backend if backend is not None else current_backend()
    except CredentialsUnavailable as exc:
        return BackendStatus(False, "", str(exc), exc.problem)
    name = _name(chosen)
    if isinstance(chosen, SessionKeyring):
        return BackendStatus(True, name, "Passwords are kept in memory until Briefer quits (no keychain).")
    try:
        reason = _refusal(chosen)
    except Exception as exc:  # a chained backend that fails while being constructed
        reason = _describe_failure(exc)
    if reason is None and probe:
        try:
            chosen.get_password(SERVICE, _PROBE_ACCOUNT)
        except Exception as exc:  # keyring backends raise anything: RuntimeError, D-Bus errors, EOFError
            reason = _describe_failure(exc)
    if reason is not None:
        return BackendStatus(False, name, _with_advice(reason), reason[0])
    if getattr(chosen, "briefer_opt_in", False):
        file = getattr(chosen, "file_path", "")
        return BackendStatus(True, name, f"Passwords are kept in the encrypted file {file}.")
    return BackendStatus(True, name, f"Passwords are kept in the system keychain ({name}).")


class SessionKeyring(KeyringBackend):
    """Secrets kept in this process's memory only: the fallback when there is no usable keychain."""

    @properties.classproperty
    def priority(cls) -> float:
        # keyring considers every KeyringBackend subclass it knows; one whose priority raises is
        # "not viable", so keyring never picks this one on its own (it would pose as a keychain).
        raise RuntimeError("Briefer's session store is only used explicitly")

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


# -- the store --------------------------------------------------------------------
def check_account(account: str) -> str:
    account = account.strip()
    if not account or len(account) > 100 or any(ord(c) < 32 or ord(c) == 127 for c in account):
        raise ValueError(f"{account!r} is not a usable account name (1-100 characters, one line)")
    return account


class CredentialStore:
    """Secrets by account name, in a keyring backend; a registry file lists the names.

    `backend=None` means the system keychain keyring chooses (looked up at first
    use).  Every call checks the backend first and raises CredentialsUnavailable
    with a plain-words message when it cannot be used.
    """

    def __init__(
        self,
        registry: Path | None,
        backend: KeyringBackend | None = None,
        *,
        service: str = SERVICE,
        persistent: bool = True,
        opener: Callable[[], KeyringBackend] = current_backend,
    ) -> None:
        self._registry_path = registry
        self._backend = backend
        self._opener = opener  # finds the backend at first use when none is given
        self._service = service
        self.persistent = persistent  # False: secrets vanish when the program ends
        self._memory_registry: dict[str, CredentialRef] = {}

    @classmethod
    def for_data_dir(cls, data_dir: Path, backend: KeyringBackend | None = None) -> CredentialStore:
        return cls(data_dir / REGISTRY_FILE, backend)

    @classmethod
    def for_session(cls) -> CredentialStore:
        """A store in memory only, for when the user continues without a keychain."""
        return cls(None, SessionKeyring(), persistent=False)

    @classmethod
    def encrypted_file(cls, data_dir: Path, file: Path, password: str) -> CredentialStore:
        """The opt-in encrypted file (keyrings.cryptfile, Argon2 + AES), created when new; `password`
        comes from a dialog or the terminal."""
        return cls(data_dir / REGISTRY_FILE, open_encrypted_file(file, password))

    @classmethod
    def chosen(cls, data_dir: Path, unlock: Unlock) -> CredentialStore:
        """The store chosen for this archive (`BackendChoice`): the system keychain, or the encrypted
        file, opened at first use with the password `unlock` gives (CredentialsUnavailable with
        ENCRYPTED_FILE_LOCKED when it gives none)."""
        choice = BackendChoice.of(data_dir)
        if not choice.encrypted:
            return cls.for_data_dir(data_dir)
        file = choice.encrypted_file(data_dir)

        def open_chosen_file() -> KeyringBackend:
            password = unlock(file, not file.is_file())
            if not password:
                raise CredentialsUnavailable(
                    f"Passwords are kept in the encrypted file {file}, and its password was not given.",
                    problem=KeychainProblem.ENCRYPTED_FILE_LOCKED,
                )
            return open_encrypted_file(file, password)

        return cls(data_dir / REGISTRY_FILE, opener=open_chosen_file)

    # -- the backend --------------------------------------------------------------
    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            self._backend = self._opener()
        return self._backend

    def status(self, *, probe: bool = True) -> BackendStatus:
        try:
            backend = self.backend
        except CredentialsUnavailable as exc:
            return BackendStatus(False, "", str(exc), exc.problem)
        return check_backend(backend, probe=probe)

    def ensure_usable(self) -> None:
        status = self.status(probe=False)  # the operation itself finds a locked keychain
        if not status.usable:
            raise CredentialsUnavailable(status.message, problem=status.problem or KeychainProblem.FAILED)

    def _call(self, what: str, operation: Callable[[KeyringBackend], Any], secret: str = "") -> Any:
        self.ensure_usable()
        try:
            return operation(self.backend)
        except keyring.errors.PasswordDeleteError:
            raise
        except Exception as exc:  # a backend's own error, reworded; `from None` drops its traceback
            failure = _unavailable(_describe_failure(exc), f"Could not {what}: ")
            raise CredentialsUnavailable(scrub(str(failure), secret), problem=failure.problem) from None

    # -- secrets ------------------------------------------------------------------
    def set(self, account: str, secret: str, *, kind: str = "smtp", username: str = "") -> CredentialRef:
        account = check_account(account)
        if kind not in KINDS:
            raise ValueError(f"credential kind must be one of {', '.join(KINDS)}")
        if not secret:
            raise ValueError("the secret is empty; nothing was stored")
        if kind == "basic" and not username:
            raise ValueError("HTTP basic auth needs a user name")
        self._call(
            f"store the secret for {account!r}",
            lambda b: b.set_password(self._service, account, secret),
            secret,
        )
        ref = CredentialRef(account, kind, username)
        log.info("stored the %s secret for %r in %s", kind, account, _name(self.backend))
        refs = self._read_registry()
        refs[account] = ref
        self._write_registry(refs)
        return ref

    def get(self, account: str) -> str | None:
        account = check_account(account)
        value = self._call(
            f"read the secret for {account!r}", lambda b: b.get_password(self._service, account)
        )
        return None if value is None else str(value)

    def delete(self, account: str) -> bool:
        """Forget the account's secret; False when there was none."""
        account = check_account(account)
        refs = self._read_registry()
        try:
            self._call(
                f"delete the secret for {account!r}", lambda b: b.delete_password(self._service, account)
            )
            deleted = True
        except keyring.errors.PasswordDeleteError:
            deleted = False
        if refs.pop(account, None) is not None:
            self._write_registry(refs)
            deleted = True
        return deleted

    def accounts(self) -> list[CredentialRef]:
        return sorted(self._read_registry().values(), key=lambda r: r.account.casefold())

    def ref(self, account: str) -> CredentialRef | None:
        return self._read_registry().get(account)

    def http_headers(self, account: str) -> dict[str, str]:
        """The Authorization header for a feed credential (basic or bearer); {} when none is stored."""
        ref, secret = self.ref(account), self.get(account)
        if ref is None or secret is None:
            return {}
        if ref.kind == "bearer":
            return {"Authorization": f"Bearer {secret}"}
        if ref.kind == "basic":
            token = base64.b64encode(f"{ref.username}:{secret}".encode()).decode("ascii")
            return {"Authorization": f"Basic {token}"}
        raise ValueError(f"{account!r} is an {ref.kind} credential, not an HTTP one")

    # -- the registry (names only) ------------------------------------------------
    def _read_registry(self) -> dict[str, CredentialRef]:
        path = self._registry_path
        if path is None:
            return dict(self._memory_registry)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path} cannot be read ({exc}); move it away to start a new list") from None
        refs: dict[str, CredentialRef] = {}
        for item in data.get("accounts", []) if isinstance(data, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("account"), str):
                kind = str(item.get("kind")) if item.get("kind") in KINDS else "smtp"
                refs[item["account"]] = CredentialRef(item["account"], kind, str(item.get("username", "")))
        return refs

    def _write_registry(self, refs: dict[str, CredentialRef]) -> None:
        path = self._registry_path
        if path is None:
            self._memory_registry = dict(refs)
            return
        data = {
            "comment": "Names of the credentials Briefer keeps in the system keychain; never a secret.",
            "service": self._service,
            "accounts": [
                {"account": r.account, "kind": r.kind, "username": r.username}
                for r in sorted(refs.values(), key=lambda r: r.account.casefold())
            ],
        }
        write_json_atomically(path, data)


def obtain_secret(
    account: str, store: CredentialStore, ask: AskSecret | None = None, session: CredentialStore | None = None
) -> str:
    """The account's secret: from `store`; else from `session` memory; else `ask` (kept in `session`).

    Raises CredentialsUnavailable (NO_SECRET, or why the store failed) when no
    secret can be had.  Nothing asked for is ever written to a file.
    """
    try:
        secret = store.get(account)
        if secret is not None:
            return secret
        problem = CredentialsUnavailable(
            f"No password is stored for {account!r}.", problem=KeychainProblem.NO_SECRET, account=account
        )
    except CredentialsUnavailable as exc:
        problem = exc
    if session is not None and (remembered := session.get(account)) is not None:
        return remembered
    answer = ask(account) if ask is not None else None
    if not answer:
        problem.account = account
        raise problem
    log.info("using a password typed for %r; kept in memory only", account)
    if session is not None:
        session.set(account, answer)
    return answer


def open_encrypted_file(file: Path, password: str) -> KeyringBackend:
    """keyrings.cryptfile's backend on `file` (created when new), unlocked with `password`."""
    try:
        module: Any = importlib.import_module("keyrings.cryptfile.cryptfile")
    except ImportError:
        raise CredentialsUnavailable(
            "The encrypted-file keyring is not installed (pip install keyrings.cryptfile).",
            problem=KeychainProblem.ENCRYPTED_FILE_UNAVAILABLE,
        ) from None
    backend = module.CryptFileKeyring()
    backend.file_path = str(file)
    try:
        backend.keyring_key = password  # checked against an existing file right here
    except ValueError:
        raise CredentialsUnavailable(
            f"Wrong password for the encrypted keyring file {file}.", problem=KeychainProblem.WRONG_PASSWORD
        ) from None
    backend.briefer_opt_in = True
    return backend  # type: ignore[no-any-return]


def scrub(text: str, *secrets: str) -> str:
    """`text` with every secret (and its base64 form, as sent by SMTP AUTH) replaced by ***."""
    for secret in secrets:
        if len(secret) >= 4:  # a shorter one would garble the text and is in it only by chance
            for form in (secret, base64.b64encode(secret.encode()).decode("ascii")):
                text = text.replace(form, "***")
    return text


def write_json_atomically(path: Path, data: object, *, mode: int = 0o600) -> None:
    """Replace `path` with `data` as JSON (a crash leaves the old file or the new one), mode 0600:
    the names of accounts and servers are nobody else's business."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    atomic_write.write_bytes(path, payload, mode=mode)
