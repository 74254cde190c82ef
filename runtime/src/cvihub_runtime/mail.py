"""Sending e-mail over SMTP (implicit TLS or STARTTLS) with aiosmtplib.

Configured by one URL, `smtp://user:password@host:587` (STARTTLS, required unless
`?starttls=false`) or `smtps://user:password@host:465` (implicit TLS); `?timeout=SECONDS`
bounds each network step. User and password are percent-decoded (`user%40example.org`).
Nothing here logs an address or a body: both are personal data.
"""

import email.utils
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Self
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

__all__ = [
    "MailDeliveryError",
    "SmtpConfig",
    "SmtpSender",
    "build_message",
    "check_sender",
]

_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_OPTIONS = {"starttls", "timeout"}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to reach the SMTP relay; `repr` never shows the password."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    implicit_tls: bool = False
    starttls: bool = True
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> Self:
        """Parse `smtp[s]://[user[:password]@]host[:port][?starttls=…&timeout=…]`."""
        parts = urlsplit(url.strip())
        if parts.scheme not in _DEFAULT_PORTS:
            raise ValueError("the SMTP URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("the SMTP URL has no host")
        if parts.path not in ("", "/") or parts.fragment:
            raise ValueError("the SMTP URL takes no path or fragment")
        try:
            port = parts.port or _DEFAULT_PORTS[parts.scheme]
        except ValueError as exc:  # urlsplit raises on a port out of range or not a number
            raise ValueError("the SMTP URL has a bad port") from exc
        options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = set(options) - _OPTIONS
        if unknown:
            raise ValueError(f"unknown SMTP URL option(s): {', '.join(sorted(unknown))}")
        implicit_tls = parts.scheme == "smtps"
        starttls = not implicit_tls and _flag(options.get("starttls", "true"), "starttls")
        if implicit_tls and "starttls" in options:
            raise ValueError("smtps:// is TLS from the start; starttls does not apply")
        timeout = _timeout(options.get("timeout", "30"))
        if parts.username and parts.password is None:
            raise ValueError("the SMTP URL names a user but no password")
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            implicit_tls=implicit_tls,
            starttls=starttls,
            timeout=timeout,
        )

    def describe(self) -> str:
        """Where mail goes, without credentials (safe to log)."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        tls = "implicit TLS" if self.implicit_tls else "STARTTLS" if self.starttls else "no TLS"
        return f"{scheme}://{self.host}:{self.port} ({tls})"


def _flag(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"SMTP URL option {name} must be true or false")


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError as exc:
        raise ValueError("SMTP URL option timeout must be a number of seconds") from exc
    if not 0 < seconds <= 600:
        raise ValueError("SMTP URL option timeout must be between 0 and 600 seconds")
    return seconds


def check_sender(sender: str) -> str:
    """The From address (`hub@example.org` or `CVI hub <hub@example.org>`), checked."""
    if "\n" in sender or "\r" in sender:
        raise ValueError("the sender address cannot contain line breaks")
    name, address = email.utils.parseaddr(sender)
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain:
        raise ValueError("the sender must be an e-mail address such as hub@example.org")
    return email.utils.formataddr((name, address)) if name else address


def build_message(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message with its own Message-ID and Date."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(addr_spec=to)
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(usegmt=True)
    # The sender's domain, not socket.getfqdn(): no DNS lookup, and no host name leaks.
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2]
    message["Message-ID"] = email.utils.make_msgid(domain=domain)
    message.set_content(body)
    return message


class MailDeliveryError(Exception):
    """A message was not delivered; `reason` names the error without any address or text."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def describe_failure(exc: BaseException) -> MailDeliveryError:
    """Classify an SMTP failure: permanent (retrying cannot help) or worth retrying."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return MailDeliveryError(f"recipient refused ({_codes(codes)})", permanent=permanent)
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        # Only the reply code: the server's text may quote the address.
        name = "recipient refused" if isinstance(exc, aiosmtplib.SMTPRecipientRefused) else "data"
        return MailDeliveryError(f"{name} ({exc.code})", permanent=exc.code >= 500)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        # Sender refused, authentication failed, …: a relay or set-up problem, not this message's.
        return MailDeliveryError(f"{type(exc).__name__} ({exc.code})", permanent=False)
    return MailDeliveryError(type(exc).__name__, permanent=False)


def _codes(codes: list[int]) -> str:
    return ", ".join(str(code) for code in sorted(set(codes))) or "no code"


class SmtpSender:
    """Delivers messages through one SMTP relay, one connection per message."""

    def __init__(
        self, config: SmtpConfig, sender: str, *, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.config = config
        self.sender = check_sender(sender)
        self._tls_context = tls_context

    async def send(self, *, to: str, subject: str, body: str) -> None:
        """Deliver one message; raises MailDeliveryError (never with PII) when it cannot."""
        message = build_message(sender=self.sender, to=to, subject=subject, body=body)
        config = self.config
        try:
            await aiosmtplib.send(
                message,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                use_tls=config.implicit_tls,
                start_tls=config.starttls,
                timeout=config.timeout,
                tls_context=self._tls_context,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise describe_failure(exc) from None
