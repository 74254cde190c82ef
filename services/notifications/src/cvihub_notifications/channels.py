"""Per-subscription rules of each channel: filters, the e-mail and SMS view cap and the e-mail
notice (the SMS notice is in sms_notice.py).

Pure: no I/O. A subscription's filters (zones, event types) only narrow what its grant lets
through; an event they do not match is a routing fact (no refusal, no audit entry).

E-mail is not a safe carrier for patient or criminal-justice data (it crosses servers nobody
here controls and sits in mailboxes for years), so an e-mail carries a notice only: its view is
capped to PUBLIC fields whatever the grant says, and the text names the kind of event, its
time and zone, and where to read it. A text message is even less safe (carriers, gateways and
lock screens show it), so SMS gets the same cap and a shorter notice.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cvihub_contracts import Classification, Envelope
from cvihub_contracts.redaction import Redacted
from cvihub_contracts.registry.changes_v1 import SMS_URI_PATTERN, SMS_URI_PREFIX, Channel
from cvihub_registry_copy import Subscriber

EMAIL_VIEW = frozenset({Classification.PUBLIC})
"""The most an e-mail may carry, whatever the recipient's grant allows."""
SMS_VIEW = frozenset({Classification.PUBLIC})
"""The most a text message may carry, whatever the recipient's grant allows."""
NOTICE_CHANNELS = {Channel.EMAIL: EMAIL_VIEW, Channel.SMS: SMS_VIEW}
"""Channels that carry a notice only, each with its view cap."""
MAILTO = "mailto:"
INBOX_URI = "cvihub:inbox"

_LABELS = {
    "org.cvihub.incident-alert.published": "incident alert",
    "org.cvihub.bulletin.published": "community bulletin",
    "org.cvihub.referral.submitted": "referral",
    "org.cvihub.referral.status-changed": "referral status change",
}


def matches_filters(subscriber: Subscriber, *, event_type: str, zone: str | None) -> bool:
    """Whether an event passes a subscription's own filters (None = no filter).

    Like a grant's zones, a zone filter never matches an event without a zone."""
    if subscriber.event_types is not None and event_type not in subscriber.event_types:
        return False
    return subscriber.zones is None or (zone is not None and zone in subscriber.zones)


def channel_view(channel: Channel, view: frozenset[Classification]) -> frozenset[Classification]:
    """The recipient's view cut to what the channel may carry (never widened)."""
    cap = NOTICE_CHANNELS.get(channel)
    return view if cap is None else view & cap


def mail_address(url: str) -> str:
    """The address of a mailto: endpoint URI."""
    if not url.startswith(MAILTO) or len(url) == len(MAILTO):
        raise ValueError("not a mailto: endpoint")
    return url[len(MAILTO) :]


def sms_number(url: str) -> str:
    """The E.164 number of an sms: endpoint URI (the error never quotes it)."""
    if not re.fullmatch(SMS_URI_PATTERN, url):
        raise ValueError("not an sms: endpoint with an E.164 number")
    return url[len(SMS_URI_PREFIX) :]


@dataclass(frozen=True)
class EmailNotice:
    """The subject and plain text of an e-mail notice."""

    subject: str
    text: str

    def dumps(self) -> str:
        """Stored form (encrypted before storing, like every queued body)."""
        return json.dumps({"subject": self.subject, "text": self.text}, ensure_ascii=False)

    @classmethod
    def loads(cls, stored: str) -> "EmailNotice":
        """Back from the stored form."""
        document = json.loads(stored)
        return cls(subject=str(document["subject"]), text=str(document["text"]))


def event_label(event_type: str) -> str:
    """What a notice calls this kind of event ("incident alert", "referral", ...)."""
    return _LABELS.get(event_type, "event")


def zone_of(data: dict[str, Any]) -> str | None:
    """The zone (a PUBLIC field) of an alert's location or a bulletin's venue, cleaned."""
    for container in ("location", "venue"):
        part = data.get(container)
        if isinstance(part, dict) and isinstance(part.get("zone"), str):
            # A publisher's free text: no line breaks or control characters into a header.
            cleaned = "".join(c for c in str(part["zone"]) if c.isprintable()).strip()
            return cleaned or None
    return None


def email_body(*, envelope: Envelope, redacted: Redacted) -> str:
    """The stored body of an e-mail delivery: the notice for data already cut to EMAIL_VIEW."""
    notice = render_email(
        event_type=envelope.type,
        event_id=envelope.id,
        event_time=envelope.time,
        capped_data=redacted.data,
    )
    return notice.dumps()


def render_email(
    *, event_type: str, event_id: str, event_time: datetime, capped_data: dict[str, Any]
) -> EmailNotice:
    """The notice for one event, from its data already cut to EMAIL_VIEW.

    Only the kind of event, its time, zone (a PUBLIC field) and id are used: nothing else of
    the data reaches the text, even if the cap let more through."""
    label = event_label(event_type)
    zone = zone_of(capped_data)
    at = event_time.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    subject = f"CVI hub: new {label}" + (f" in zone {zone}" if zone else "")
    lines = [
        f"A new {label} is waiting for you on the CVI hub.",
        "",
        f"Type:     {event_type}",
        f"Time:     {at}",
    ]
    if zone:
        lines.append(f"Zone:     {zone}")
    lines += [
        f"Event id: {event_id}",
        "",
        "This e-mail is a notice only: e-mail never carries personal, health or case details.",
        "Read the event itself in your hub inbox (GET /v1/inbox on the notifications API) or",
        "at your webhook endpoint.",
    ]
    return EmailNotice(subject=subject, text="\n".join(lines) + "\n")
