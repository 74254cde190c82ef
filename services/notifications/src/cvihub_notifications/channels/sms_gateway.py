"""Sending text messages through an SMS gateway, behind a small interface.

A gateway is anything with `send(to=, body=)` that answers with an SmsReceipt or raises
SmsDeliveryError saying whether retrying can help; `gateway_from_url` picks the one a URL
names. The first is Twilio's Messages REST API (other providers and test doubles speak it
too): `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` with the form fields To, From
and Body, HTTP basic auth AccountSid:AuthToken; 201 = accepted, with the message's `sid`.

Configured by one URL, `twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B15551230000`
(percent-encode the + of the sender as %2B), over https; `&insecure_http=true` speaks plain
http, allowed only to 127.0.0.1 or localhost (a test gateway). Nothing here logs a number or a
body, and no error quotes the URL or the token.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Protocol, Self
from urllib.parse import parse_qs, quote, unquote, urlsplit

import httpx

from cvihub_contracts.registry.changes_v1 import E164_PATTERN

__all__ = [
    "INVALID_NUMBER_CODES",
    "SmsDeliveryError",
    "SmsGateway",
    "SmsReceipt",
    "TwilioConfig",
    "TwilioGateway",
    "check_sms_url",
    "gateway_from_url",
]

USER_AGENT = "cvihub-notifications/0.1"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_OPTIONS = {"from", "insecure_http"}
_SID = re.compile(r"[A-Za-z0-9]{2,64}")
INVALID_NUMBER_CODES = frozenset(
    {
        21211,  # invalid 'To' phone number
        21214,  # 'To' phone number cannot be reached
        21217,  # phone number does not appear to be valid
        21401,  # invalid phone number
        21407,  # this phone number type does not support SMS
        21421,  # phone number is invalid
        21610,  # the recipient replied STOP: unsubscribed
        21612,  # 'To' number is not reachable by SMS
        21614,  # 'To' number is not a mobile number
    }
)
"""Twilio error codes that say the number itself cannot take this message: retrying cannot
help. Any other refusal (authentication, sender, account, rate) is the hub's set-up or the
gateway's state, so it is retried like a 5xx."""


@dataclass(frozen=True)
class SmsReceipt:
    """A message the gateway accepted: its id there and the status it answered with."""

    message_id: str
    status_code: int


class SmsDeliveryError(Exception):
    """A message was not accepted; `reason` names codes only, never the number or text."""

    def __init__(self, reason: str, *, permanent: bool, status_code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.status_code = status_code


class SmsGateway(Protocol):
    """Sends one text message at a time."""

    async def send(self, *, to: str, body: str) -> SmsReceipt:
        """Hand one message to the gateway; raise SmsDeliveryError when it is not accepted."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...

    def describe(self) -> str:
        """Where messages go, without credentials (safe to log)."""
        ...


@dataclass(frozen=True)
class TwilioConfig:
    """Where and as whom to reach a Twilio Messages API; `repr` never shows the token."""

    account_sid: str
    auth_token: str = field(repr=False)
    sender: str = field(repr=False)
    host: str
    port: int | None = None
    https: bool = True

    @classmethod
    def from_url(cls, url: str) -> Self:
        """Parse `twilio://SID:TOKEN@host[:port]?from=%2B…[&insecure_http=true]`."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:  # a port out of range or not a number, a bad IPv6 host
            raise ValueError("the SMS URL is malformed (a bad host or port)") from exc
        if parts.scheme != "twilio":
            raise ValueError("the SMS URL must start with twilio://")
        if not parts.hostname:
            raise ValueError("the SMS URL has no host")
        if parts.path not in ("", "/") or parts.fragment:
            raise ValueError("the SMS URL takes no path or fragment")
        sid = unquote(parts.username or "")
        if not _SID.fullmatch(sid):
            raise ValueError("the SMS URL needs the account SID (letters, digits) as its user")
        token = unquote(parts.password or "")
        if not token:
            raise ValueError("the SMS URL needs the auth token as its password")
        options = _options(parts.query)
        sender = options.get("from", "")
        if not re.fullmatch(E164_PATTERN, sender):
            raise ValueError("the SMS URL needs from=<sender number>, E.164 with the + written %2B")
        insecure = _flag(options.get("insecure_http", "false"))
        if insecure and parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError("insecure_http=true is allowed only for 127.0.0.1 or localhost")
        return cls(
            account_sid=sid,
            auth_token=token,
            sender=sender,
            host=parts.hostname,
            port=port,
            https=not insecure,
        )

    @property
    def base_url(self) -> str:
        """The API's origin, e.g. https://api.twilio.com."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        return f"{'https' if self.https else 'http'}://{host}{port}"

    @property
    def messages_path(self) -> str:
        """The Messages resource of the account."""
        return f"/2010-04-01/Accounts/{quote(self.account_sid)}/Messages.json"

    def describe(self) -> str:
        """Where messages go, without credentials (safe to log)."""
        return f"twilio {self.base_url}"


def _options(query: str) -> dict[str, str]:
    found = {name: values[-1] for name, values in parse_qs(query).items()}
    unknown = set(found) - _OPTIONS
    if unknown:
        raise ValueError(f"unknown SMS URL option(s): {', '.join(sorted(unknown))}")
    return found


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("SMS URL option insecure_http must be true or false")


class TwilioGateway:
    """Sends through a Twilio Messages API; one connection pool, opened at the first send."""

    def __init__(
        self,
        config: TwilioConfig,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.config.base_url,
                auth=httpx.BasicAuth(self.config.account_sid, self.config.auth_token),
                timeout=self._timeout,
                follow_redirects=False,
                headers={"user-agent": USER_AGENT, "accept": "application/json"},
                transport=self._transport,
            )
        return self._client

    async def send(self, *, to: str, body: str) -> SmsReceipt:
        """POST one message; 2xx = accepted, a refused number = permanent, else retry."""
        form = {"To": to, "From": self.config.sender, "Body": body}
        try:
            response = await self._http().post(self.config.messages_path, data=form)
        except httpx.HTTPError as exc:  # timeouts, refused connections, protocol errors
            raise SmsDeliveryError(type(exc).__name__, permanent=False) from None
        status = response.status_code
        document = _json(response)
        if 200 <= status < 300:
            return SmsReceipt(message_id=str(document.get("sid") or ""), status_code=status)
        code = document.get("code")
        code = code if isinstance(code, int) and not isinstance(code, bool) else None
        # Only the status and Twilio's error code: its message quotes the number.
        reason = f"HTTP {status}" + (f" (Twilio error {code})" if code is not None else "")
        permanent = 400 <= status < 500 and status != 429 and code in INVALID_NUMBER_CODES
        raise SmsDeliveryError(reason, permanent=permanent, status_code=status)

    async def aclose(self) -> None:
        """Close the connection pool, if one was opened."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def describe(self) -> str:
        """Where messages go, without credentials (safe to log)."""
        return self.config.describe()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def check_sms_url(url: str) -> None:
    """Raise ValueError (never quoting the URL) unless `url` names a known gateway well."""
    scheme = url.strip().partition("://")[0].lower()
    if scheme != "twilio":
        raise ValueError("the SMS URL must start with twilio:// (the gateways known here)")
    TwilioConfig.from_url(url)


def gateway_from_url(url: str, *, timeout: float) -> SmsGateway:
    """The gateway an SMS URL names (checked as by `check_sms_url`)."""
    check_sms_url(url)
    return TwilioGateway(TwilioConfig.from_url(url), timeout=timeout)
