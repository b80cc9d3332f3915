"""Test helpers for sending briefings: a real SMTP server on loopback, a test-made certificate,
and an in-memory keyring (tests never touch the real keychain)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.errors
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER = "alice"
PASSWORD = "correct-horse-7f3a9c"  # distinctive: the secret-leak test searches for it


class MemoryKeyring(keyring.backend.KeyringBackend):
    """In-memory keyring backend (keyring ships none; its null backend only forgets)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


def free_port() -> int:
    """A loopback port nobody listens on (aiosmtpd cannot use port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class TestCertificate:
    key: Path
    cert: Path  # also the CA file: it is self-signed

    __test__ = False  # not a pytest test class


def make_certificate(folder: Path) -> TestCertificate:
    """A self-signed certificate for localhost and 127.0.0.1, valid for two days."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return TestCertificate(key_path, cert_path)


class Sink:
    """Keeps every message the server accepts."""

    def __init__(self) -> None:
        self.messages: list[Envelope] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):  # lets tests see a recipient refused
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False, or aiosmtpd never answers a failure


@dataclass
class Server:
    host: str
    port: int
    cafile: str
    sink: Sink = field(default_factory=Sink)


class _Controller(Controller):
    def factory(self) -> Any:
        # Implicit TLS: aiosmtpd counts only STARTTLS as TLS, so AUTH must be allowed "without" it,
        # and it warns about that (an error under this suite's filterwarnings).
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return super().factory()


@contextmanager
def smtp_server(certificate: TestCertificate, mode: str = "starttls") -> Iterator[Server]:
    """A real SMTP server on 127.0.0.1, stopped on exit.

    mode "starttls": STARTTLS required before AUTH and MAIL; "tls": implicit TLS
    (SMTPS); "plain": no TLS at all (and so no STARTTLS offered).
    """
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert, certificate.key)
    server = Server("127.0.0.1", free_port(), str(certificate.cert))
    options: dict[str, Any] = {"authenticator": _authenticator}
    if mode == "starttls":
        options |= {"tls_context": context, "require_starttls": True, "auth_required": True}
    elif mode == "tls":
        options |= {"ssl_context": context, "auth_required": True, "auth_require_tls": False}
    elif mode != "plain":
        raise ValueError(mode)
    controller = _Controller(server.sink, hostname=server.host, port=server.port, **options)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
