"""SMS: a notice only (public facts, one GSM-7 segment where possible), sent through a gateway.

A text message shows on lock screens and passes carriers and gateways nobody
here controls, so, like an e-mail, it carries a notice only, rendered from data already cut
to SMS_VIEW (PUBLIC): the kind of event, its zone and time, and where to read it.

One SMS segment holds 160 characters of the GSM 03.38 (GSM-7) alphabet; a single character
outside it turns the whole message into UCS-2, 70 per segment. So the notice is written in
GSM-7 only (a publisher's zone is transliterated), the zone is shortened before the message
would need a second segment, and nothing longer than two segments (320) is ever sent. The
stored body is the notice rendered when the delivery was planned, so sending never sees event
data. Nothing is logged with a number or the text.
"""

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog

from cvihub_contracts import Envelope
from cvihub_contracts.redaction import Redacted
from cvihub_contracts.registry.changes_v1 import SMS_URI_PATTERN, SMS_URI_PREFIX, Channel
from cvihub_notifications.channels.base import Sent, Transport
from cvihub_notifications.channels.notice import event_label, minute_utc, zone_of
from cvihub_notifications.channels.sms_gateway import SmsDeliveryError, SmsGateway
from cvihub_notifications.queue_store import Claimed
from cvihub_runtime.secretbox import SecretBox

log = structlog.get_logger(__name__)

SMS_ENV = "NOTIFICATIONS_SMS_URL"

SEGMENT = 160
"""GSM-7 characters (septets) of one SMS segment."""
HARD_CAP = 320
"""The most a notice may take, in septets: never more than two segments' worth."""

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet, one septet each (the escape character left out)."""
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
"""Characters of the extension table: an escape plus one septet, two in all."""
_ELLIPSIS = ".."
_SPELLED = {
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
    "œ": "oe", "Œ": "OE", "ŀ": "l", "Ŀ": "L",
    "\u0131": "i",  # dotless i
    "\u2018": "'", "\u2019": "'", "\u201a": "'",  # curly single quotes
    "\u201c": '"', "\u201d": '"', "\u201e": '"',  # curly double quotes
    "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " ",  # dashes, ellipsis, nbsp
}  # fmt: skip
"""Letters and punctuation Unicode does not decompose into GSM-7 ones."""

INBOX_PATH = "/v1/inbox"
NO_LINK_HINT = "Read it in your CVI hub inbox (GET /v1/inbox)."


def gsm7_septets(text: str) -> int | None:
    """How many septets `text` takes in GSM-7, or None when it has a character outside it."""
    total = 0
    for char in text:
        if char in GSM7_BASIC:
            total += 1
        elif char in GSM7_EXTENSION:
            total += 2
        else:
            return None
    return total


def to_gsm7(text: str) -> str:
    """`text` in the GSM-7 alphabet: accents dropped where that helps (ó -> o, ł -> l), line
    breaks and control characters as spaces, anything else as '?'."""
    out: list[str] = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(" " if char in "\n\r\f" else char)
        elif char in _SPELLED:
            out.append(_SPELLED[char])
        elif not char.isprintable():
            out.append(" ")
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if c in GSM7_BASIC and c != "\n"
            )
            out.append(base or "?")
    return "".join(out)


def cap_septets(text: str, limit: int) -> str:
    """`text` cut to at most `limit` septets (GSM-7 text), ending in '..' when it was cut."""
    if (gsm7_septets(text) or 0) <= limit:
        return text
    room = limit - len(_ELLIPSIS)
    kept: list[str] = []
    used = 0
    for char in text:
        cost = 2 if char in GSM7_EXTENSION else 1
        if used + cost > room:
            break
        kept.append(char)
        used += cost
    return "".join(kept).rstrip() + _ELLIPSIS


def read_hint(public_url: str | None) -> str:
    """The notice's last sentence: where to read the event (the inbox URL when known)."""
    if not public_url:
        return NO_LINK_HINT
    return f"Read it at {public_url.rstrip('/')}{INBOX_PATH}"


def render_sms(
    *, event_type: str, event_time: datetime, capped_data: dict[str, Any], hint: str
) -> str:
    """The notice for one event, from its data already cut to SMS_VIEW.

    Only the kind of event, its time and zone (a PUBLIC field) are used: nothing else of the
    data reaches the text, even if the cap let more through."""
    label = event_label(event_type)
    at = minute_utc(event_time)
    zone = zone_of(capped_data)
    hint = to_gsm7(hint)

    def compose(zone: str | None) -> str:
        where = f" in zone {zone}" if zone else ""
        return f"CVI hub: new {label}{where} at {at}. {hint}"

    text = compose(to_gsm7(zone) if zone else None)
    if zone and (gsm7_septets(text) or 0) > SEGMENT:
        # The zone is the publisher's free text: shorten it rather than send two segments.
        room = SEGMENT - (gsm7_septets(compose("")) or 0) - len(" in zone ")
        if room >= 4 + len(_ELLIPSIS):
            text = compose(cap_septets(to_gsm7(zone), room))
    return cap_septets(text, HARD_CAP)


def sms_body(*, envelope: Envelope, redacted: Redacted, hint: str) -> str:
    """The stored body of an SMS delivery: the notice for data already cut to SMS_VIEW."""
    return render_sms(
        event_type=envelope.type, event_time=envelope.time, capped_data=redacted.data, hint=hint
    )


def sms_number(url: str) -> str:
    """The E.164 number of an sms: endpoint URI (the error never quotes it)."""
    if not re.fullmatch(SMS_URI_PATTERN, url):
        raise ValueError("not an sms: endpoint with an E.164 number")
    return url[len(SMS_URI_PREFIX) :]


class SmsTransport(Transport):
    """Sends notices through the SMS gateway; without one, its deliveries wait, pending."""

    channel = Channel.SMS

    def __init__(self, *, box: SecretBox, gateway: SmsGateway | None, hint: str) -> None:
        self._box = box
        self._gateway = gateway
        self._hint = hint

    @property
    def ready(self) -> bool:
        """Only with a gateway configured."""
        return self._gateway is not None

    def render(self, *, envelope: Envelope, redacted: Redacted) -> str:
        """The notice text."""
        return sms_body(envelope=envelope, redacted=redacted, hint=self._hint)

    async def send(self, delivery: Claimed, *, secrets: Sequence[str]) -> Sent:
        """One gateway attempt; a refused number fails the delivery at once."""
        if self._gateway is None:
            return Sent(None, "SMS is not configured")
        try:
            text = self._box.decrypt(delivery.body_encrypted)
            septets = gsm7_septets(text)
            if septets is None or septets > HARD_CAP:
                raise ValueError("not a notice this hub would send")
            receipt = await self._gateway.send(to=sms_number(delivery.url), body=text)
        except SmsDeliveryError as exc:
            # Codes only, never the number: the gateway's own message may quote it.
            return Sent(exc.status_code, exc.reason, permanent=exc.permanent)
        except ValueError:
            return Sent(None, "body or number unusable", permanent=True)
        log.info("sms accepted", delivery_id=delivery.delivery_id, message_id=receipt.message_id)
        return Sent(receipt.status_code)

    async def aclose(self) -> None:
        """Close the gateway's connections."""
        if self._gateway is not None:
            await self._gateway.aclose()
