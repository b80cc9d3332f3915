"""SMTP accounts: where and as whom to send briefings.  Settings only: the password is in the keychain.

Stored as `smtp-accounts.json` in the data directory.  Each account names its
credential (`credential`, by default the account's own name) in the
CredentialStore; the file never holds a secret, and a file that does is
refused rather than read.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from briefer.core.credentials import check_account, write_json_atomically
from briefer.core.errors import BrieferError

ACCOUNTS_FILE = "smtp-accounts.json"
SECURITY = ("starttls", "tls")  # STARTTLS on 587 (or 25), implicit TLS on 465; never plain text
DEFAULT_PORTS = {"starttls": 587, "tls": 465}
_SECRET_KEYS = frozenset({"password", "secret", "token", "pass", "passwd"})


class AccountProblem(enum.StrEnum):
    """What is wrong.  Front ends word what to do about each."""

    INVALID = "invalid"  # a bad setting or address
    UNREADABLE = "unreadable"  # the accounts file
    SECRET_IN_FILE = "secret-in-file"  # the accounts file holds a password
    UNKNOWN = "unknown"  # no account of that name
    NONE_SET_UP = "none-set-up"
    SEVERAL = "several"  # no account named, and more than one to choose from


class AccountError(BrieferError, ValueError):
    """A bad account setting, an unknown account, or an unreadable accounts file.

    The message states the fact; `problem` and the facts (`name`, `known`, `path`)
    let each front end say what to do.
    """

    def __init__(
        self,
        message: str,
        problem: AccountProblem = AccountProblem.INVALID,
        *,
        name: str = "",
        known: tuple[str, ...] = (),
        path: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.name = name  # the account asked for
        self.known = known  # the accounts there are
        self.path = path  # the accounts file


def check_address(address: str) -> str:
    """A bare e-mail address `user@domain`, or AccountError."""
    address = address.strip()
    try:
        parsed = Address(addr_spec=address)
    except (HeaderParseError, ValueError, IndexError):
        raise AccountError(f"{address!r} is not an e-mail address") from None
    if not parsed.username or ("." not in parsed.domain and parsed.domain != "localhost"):
        raise AccountError(f"{address!r} is not an e-mail address (user@domain)")
    return parsed.addr_spec


@dataclass(frozen=True)
class SmtpAccount:
    name: str
    host: str
    port: int
    security: str  # one of SECURITY
    user: str  # the login name; empty = the server needs no login
    sender: str  # the From address
    credential: str = ""  # the CredentialStore account holding the password; "" = `name`
    cafile: str = ""  # extra CA bundle (an organisation's own CA); the system CAs otherwise

    def __post_init__(self) -> None:
        try:
            check_account(self.name)
        except ValueError as exc:
            raise AccountError(str(exc)) from None
        if not self.host.strip() or any(c.isspace() for c in self.host.strip()):
            raise AccountError(f"{self.host!r} is not a host name")
        if not 0 < self.port < 65536:
            raise AccountError(f"port {self.port} is outside 1-65535")
        if self.security not in SECURITY:
            raise AccountError(
                f"security must be 'starttls' or 'tls' (got {self.security!r}); "
                "Briefer never sends over an unencrypted connection"
            )
        check_address(self.sender)

    @property
    def credential_ref(self) -> str:
        return self.credential or self.name

    def describe(self) -> str:
        login = f" as {self.user}" if self.user else " (no login)"
        return f"{self.name}: {self.host}:{self.port} {self.security}{login}, from {self.sender}"


class AccountBook:
    """The SMTP accounts file: read on every call, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> AccountBook:
        return cls(data_dir / ACCOUNTS_FILE)

    def all(self) -> list[SmtpAccount]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise AccountError(
                f"{self.path} cannot be read ({exc})", AccountProblem.UNREADABLE, path=self.path
            ) from None
        items = data.get("accounts") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise AccountError(f"{self.path}: no 'accounts' list", AccountProblem.UNREADABLE, path=self.path)
        return [self._account(item, i) for i, item in enumerate(items)]

    def _account(self, item: Any, index: int) -> SmtpAccount:
        where = f"{self.path}: accounts[{index}]"
        if not isinstance(item, dict):
            raise AccountError(f"{where}: expected an object")
        if _SECRET_KEYS & {str(k).lower() for k in item}:
            raise AccountError(
                f"{where} holds a password; Briefer keeps passwords in the keychain only, never in this file",
                AccountProblem.SECRET_IN_FILE,
                path=self.path,
            )
        try:
            return SmtpAccount(
                name=str(item["name"]),
                host=str(item["host"]),
                port=int(item["port"]),
                security=str(item.get("security", "starttls")),
                user=str(item.get("user", "")),
                sender=str(item["sender"]),
                credential=str(item.get("credential", "")),
                cafile=str(item.get("cafile", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AccountError(f"{where}: {exc}") from None

    def get(self, name: str) -> SmtpAccount:
        accounts = self.all()
        for account in accounts:
            if account.name == name:
                return account
        known = tuple(a.name for a in accounts)
        raise AccountError(
            f"no SMTP account {name!r}; known: {', '.join(known) or 'none yet'}",
            AccountProblem.UNKNOWN,
            name=name,
            known=known,
            path=self.path,
        )

    def default(self) -> SmtpAccount:
        """The only account, or AccountError (NONE_SET_UP, or SEVERAL to choose from)."""
        accounts = self.all()
        if len(accounts) == 1:
            return accounts[0]
        if not accounts:
            raise AccountError("no SMTP account is set up", AccountProblem.NONE_SET_UP, path=self.path)
        known = tuple(a.name for a in accounts)
        raise AccountError(
            f"several SMTP accounts exist ({', '.join(known)})",
            AccountProblem.SEVERAL,
            known=known,
            path=self.path,
        )

    def put(self, account: SmtpAccount) -> None:
        """Add the account, or replace the one with the same name."""
        accounts = [a for a in self.all() if a.name != account.name] + [account]
        self._write(accounts)

    def remove(self, name: str) -> bool:
        accounts = self.all()
        kept = [a for a in accounts if a.name != name]
        if len(kept) == len(accounts):
            return False
        self._write(kept)
        return True

    def _write(self, accounts: list[SmtpAccount]) -> None:
        data = {
            "comment": "SMTP accounts for sending briefings. Passwords are in the system keychain, not here.",
            "accounts": [asdict(a) for a in sorted(accounts, key=lambda a: a.name.casefold())],
        }
        write_json_atomically(self.path, data)
