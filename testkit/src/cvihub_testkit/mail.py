"""A real SMTP server for tests (aiosmtpd, in-process, on a loopback port); tests only.

This needs the workspace's dev dependencies (aiosmtpd); no service imports it.
"""

import datetime as dt
import ipaddress
import logging
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cvihub_cli.embedded import free_port

__all__ = ["Received", "SmtpTestServer", "TlsPair", "free_port", "self_signed_tls"]


@dataclass(frozen=True)
class Received:
    """One message as the server got it: envelope and parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        """The plain-text body."""
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


@dataclass
class _Recorder:
    refuse: set[str]
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@dataclass(frozen=True)
class TlsPair:
    """A self-signed certificate's server context and a client context that trusts it."""

    server: ssl.SSLContext
    client: ssl.SSLContext


def self_signed_tls(host: str = "127.0.0.1") -> TlsPair:
    """A throw-away certificate for the loopback address (valid for one day)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return TlsPair(server=server, client=client)


class SmtpTestServer:
    """Collects what it is sent; optional login, STARTTLS or implicit TLS, refused addresses."""

    def __init__(
        self,
        port: int | None = None,
        *,
        login: tuple[str, str] | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        refuse: set[str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self._recorder = _Recorder(refuse={a.lower() for a in refuse or set()})
        self._login = login
        options: dict[str, Any] = {}
        if login is not None:
            options.update(
                auth_required=True,
                auth_require_tls=starttls is not None,
                authenticator=self._authenticate,
            )
        if starttls is not None:
            options.update(tls_context=starttls, require_starttls=True)
        self._controller = Controller(
            self._recorder,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=implicit_tls,
            server_hostname="127.0.0.1",
            **options,
        )

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and self._login is not None
            and (data.login.decode(), data.password.decode()) == self._login
        )
        return AuthResult(success=ok, handled=False)

    @property
    def received(self) -> list[Received]:
        """Every message accepted so far."""
        with self._recorder.lock:
            return list(self._recorder.received)

    def start(self) -> None:
        """Listen on the port."""
        # aiosmtpd logs every envelope at INFO: quiet it, so tests can prove the hub's own logs
        # carry no address.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    @contextmanager
    def running(self) -> Iterator["SmtpTestServer"]:
        """Listen while the block runs."""
        self.start()
        try:
            yield self
        finally:
            self.stop()
