"""Secrets (SMTP passwords, feed passwords and tokens) in the system keychain, never in a file.

This is the only module that imports `keyring`.  Settings and account files keep
a *reference* (the account name); the secret itself lives under the service name
"Briefer" in the keychain that `keyring` finds (macOS Keychain, Windows
Credential Manager, the Secret Service on Linux).

keyring cannot list what it holds, so the store keeps a small registry beside
the other settings (`credentials.json`: account names, kinds and user names,
never a secret) for `briefer credentials list` and the Settings dialog.

When no usable keychain exists, `check_backend()` says so in plain words with
what to do, and callers may continue with `CredentialStore.for_session()`: the
secrets asked for are then kept in memory until the program ends.  Briefer never
falls back to a plaintext file; an encrypted file (keyrings.cryptfile) is an
explicit opt-in whose password the caller supplies (from a dialog, never stdin).
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.compat import properties

log = logging.getLogger(__name__)

SERVICE = "Briefer"
KINDS = ("smtp", "basic", "bearer")  # SMTP login, HTTP basic auth, HTTP bearer token
REGISTRY_FILE = "credentials.json"
_PROBE_ACCOUNT = "briefer-backend-check"

AskSecret = Callable[[str], "str | None"]  # account name -> the secret typed by the user, or None


class CredentialsUnavailable(Exception):
    """No usable keychain, or it refused the request.  The message is for the user (never a secret)."""


@dataclass(frozen=True)
class BackendStatus:
    usable: bool
    backend: str  # the backend's class, e.g. "keyring.backends.SecretService.Keyring"
    message: str  # plain words: what is used, or what is wrong and what to do

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class CredentialRef:
    """What may be shown about a stored credential: everything but the secret."""

    account: str
    kind: str = "smtp"
    username: str = ""  # for HTTP basic auth (SMTP accounts keep their user in the account settings)


# -- the backend ----------------------------------------------------------------
def what_to_do() -> str:
    """How to get a usable keychain on this platform, and what happens meanwhile."""
    if sys.platform == "darwin":
        fix = "Briefer keeps passwords in your login keychain: open Keychain Access and unlock it."
    elif sys.platform == "win32":
        fix = "Briefer keeps passwords in the Windows Credential Manager: sign in to Windows normally."
    else:
        fix = (
            "On Linux, Briefer keeps passwords in your desktop's Secret Service (GNOME Keyring, KWallet "
            "or KeePassXC): start one and unlock it. Without a desktop, run Briefer inside "
            "`dbus-run-session` after `gnome-keyring-daemon --unlock`."
        )
    return (
        f"{fix} Until then Briefer asks for a password each time it needs one and keeps it in memory "
        "only until it quits."
    )


def _name(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _describe_failure(exc: BaseException) -> str:
    if isinstance(exc, keyring.errors.KeyringLocked):
        return "The system keychain is locked."
    if isinstance(exc, keyring.errors.NoKeyringError):
        return "No system keychain was found."
    if isinstance(exc, EOFError):
        return "The keychain tried to ask for its password on the terminal."
    if isinstance(exc, keyring.errors.InitError):
        return f"The system keychain could not be opened ({exc})."
    hint = " (check the PYTHON_KEYRING_BACKEND variable)" if os.environ.get("PYTHON_KEYRING_BACKEND") else ""
    return f"The keychain could not be used: {type(exc).__name__}: {exc}{hint}."


def _refusal(backend: KeyringBackend) -> str | None:
    """Why this backend must not be used, or None when nothing is wrong with it."""
    if isinstance(backend, fail.Keyring):
        return "No system keychain was found."
    if isinstance(backend, null.Keyring):
        return "The keychain is disabled (keyring's null backend stores nothing)."
    name = _name(backend)
    if "plaintext" in name.lower():
        return "The only keychain available stores passwords in a plain file; Briefer will not use it."
    if name.startswith("keyrings.cryptfile") and not getattr(backend, "briefer_opt_in", False):
        return (
            "The encrypted-file keyring was picked automatically and would ask for its password on the "
            "terminal. Choose it explicitly in Settings, where its password is asked in a dialog."
        )
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        if not chained:
            return "No system keychain was found."
        return _refusal(chained[0])  # the chain stores in its first backend
    return None


def current_backend() -> KeyringBackend:
    """The backend keyring chose; CredentialsUnavailable if choosing it failed."""
    try:
        return keyring.get_keyring()
    except Exception as exc:  # a backend named by PYTHON_KEYRING_BACKEND that fails raises RuntimeError
        raise CredentialsUnavailable(f"{_describe_failure(exc)} {what_to_do()}") from None


def check_backend(backend: KeyringBackend | None = None, *, probe: bool = True) -> BackendStatus:
    """Whether secrets can be stored, in plain words.  Never raises.

    With `probe`, a harmless read is tried too, which finds a locked or broken
    keychain (it may make the system show its unlock dialog).
    """
    try:
        chosen = backend if backend is not None else current_backend()
    except CredentialsUnavailable as exc:
        return BackendStatus(False, "", str(exc))
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
        return BackendStatus(False, name, f"{reason} {what_to_do()}")
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
    ) -> None:
        self._registry_path = registry
        self._backend = backend
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
        """The opt-in encrypted file (keyrings.cryptfile, Argon2 + AES); `password` comes from a dialog."""
        try:
            module: Any = importlib.import_module("keyrings.cryptfile.cryptfile")
        except ImportError:
            raise CredentialsUnavailable(
                "The encrypted-file keyring is not installed (pip install keyrings.cryptfile)."
            ) from None
        backend = module.CryptFileKeyring()
        backend.file_path = str(file)
        try:
            backend.keyring_key = password  # checked against an existing file right here
        except ValueError:
            raise CredentialsUnavailable(f"Wrong password for the encrypted keyring file {file}.") from None
        backend.briefer_opt_in = True
        return cls(data_dir / REGISTRY_FILE, backend)

    # -- the backend --------------------------------------------------------------
    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            self._backend = current_backend()
        return self._backend

    def status(self, *, probe: bool = True) -> BackendStatus:
        try:
            backend = self.backend
        except CredentialsUnavailable as exc:
            return BackendStatus(False, "", str(exc))
        return check_backend(backend, probe=probe)

    def ensure_usable(self) -> None:
        status = self.status(probe=False)  # the operation itself finds a locked keychain
        if not status.usable:
            raise CredentialsUnavailable(status.message)

    def _call(self, what: str, operation: Callable[[KeyringBackend], Any], secret: str = "") -> Any:
        self.ensure_usable()
        try:
            return operation(self.backend)
        except keyring.errors.PasswordDeleteError:
            raise
        except Exception as exc:  # a backend's own error, reworded; `from None` drops its traceback
            message = f"Could not {what}: {_describe_failure(exc)} {what_to_do()}"
            raise CredentialsUnavailable(scrub(message, secret)) from None

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

    Raises CredentialsUnavailable with what to do when no secret can be had.
    Nothing asked for is ever written to a file.
    """
    problem = ""
    try:
        secret = store.get(account)
        if secret is not None:
            return secret
        problem = (
            f"No password is stored for {account!r} (store one with `briefer credentials set {account}`)."
        )
    except CredentialsUnavailable as exc:
        problem = str(exc)
    if session is not None and (remembered := session.get(account)) is not None:
        return remembered
    answer = ask(account) if ask is not None else None
    if not answer:
        raise CredentialsUnavailable(problem)
    log.info("using a password typed for %r; kept in memory only", account)
    if session is not None:
        session.set(account, answer)
    return answer


def scrub(text: str, *secrets: str) -> str:
    """`text` with every secret (and its base64 form, as sent by SMTP AUTH) replaced by ***."""
    for secret in secrets:
        if len(secret) >= 4:  # a shorter one would garble the text and is in it only by chance
            for form in (secret, base64.b64encode(secret.encode()).decode("ascii")):
                text = text.replace(form, "***")
    return text


def write_json_atomically(path: Path, data: object, *, mode: int = 0o600) -> None:
    """Temp file in the same folder, fsync, rename: a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
