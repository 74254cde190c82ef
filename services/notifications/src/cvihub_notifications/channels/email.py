"""E-mail: a notice only (kind of event, time, zone, where to read it), sent over SMTP.

The stored body is the notice rendered when the delivery was planned, from data already cut to
EMAIL_VIEW (PUBLIC), so sending never sees event data. Nothing is logged with an address or the
text.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cvihub_contracts import Envelope
from cvihub_contracts.redaction import Redacted
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications.channels.base import Sent, Transport
from cvihub_notifications.channels.notice import event_label, minute_utc, zone_of
from cvihub_notifications.queue_store import Claimed
from cvihub_runtime.mail import MailDeliveryError, SmtpSender
from cvihub_runtime.secretbox import SecretBox

SMTP_ENV = "NOTIFICATIONS_SMTP_URL"
SMTP_OK = 250
"""Recorded as the attempt's status code: SMTP's 2yz replies, like HTTP's, mean success."""
MAILTO = "mailto:"


def mail_address(url: str) -> str:
    """The address of a mailto: endpoint URI."""
    if not url.startswith(MAILTO) or len(url) == len(MAILTO):
        raise ValueError("not a mailto: endpoint")
    return url[len(MAILTO) :]


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


def render_email(
    *, event_type: str, event_id: str, event_time: datetime, capped_data: dict[str, Any]
) -> EmailNotice:
    """The notice for one event, from its data already cut to EMAIL_VIEW.

    Only the kind of event, its time, zone (a PUBLIC field) and id are used: nothing else of
    the data reaches the text, even if the cap let more through."""
    label = event_label(event_type)
    zone = zone_of(capped_data)
    subject = f"CVI hub: new {label}" + (f" in zone {zone}" if zone else "")
    lines = [
        f"A new {label} is waiting for you on the CVI hub.",
        "",
        f"Type:     {event_type}",
        f"Time:     {minute_utc(event_time)}",
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


def email_body(*, envelope: Envelope, redacted: Redacted) -> str:
    """The stored body of an e-mail delivery: the notice for data already cut to EMAIL_VIEW."""
    notice = render_email(
        event_type=envelope.type,
        event_id=envelope.id,
        event_time=envelope.time,
        capped_data=redacted.data,
    )
    return notice.dumps()


class EmailTransport(Transport):
    """Sends notices through the SMTP relay; without one, its deliveries wait, pending."""

    channel = Channel.EMAIL

    def __init__(self, *, box: SecretBox, mailer: SmtpSender | None) -> None:
        self._box = box
        self._mailer = mailer

    @property
    def ready(self) -> bool:
        """Only with an SMTP relay configured."""
        return self._mailer is not None

    def render(self, *, envelope: Envelope, redacted: Redacted) -> str:
        """The notice, stored as JSON."""
        return email_body(envelope=envelope, redacted=redacted)

    async def send(self, delivery: Claimed, *, secrets: Sequence[str]) -> Sent:
        """One SMTP attempt; a permanent refusal fails the delivery at once."""
        try:
            notice = EmailNotice.loads(self._box.decrypt(delivery.body_encrypted))
            to = mail_address(delivery.url)
        except (ValueError, KeyError):
            return Sent(None, "body or address unusable", permanent=True)
        return await self.send_notice(to=to, notice=notice)

    async def send_notice(self, *, to: str, notice: EmailNotice) -> Sent:
        """Mail one notice (a delivery's, or an operational notice of the hub's)."""
        if self._mailer is None:
            return Sent(None, "SMTP is not configured")
        try:
            await self._mailer.send(to=to, subject=notice.subject, body=notice.text)
        except MailDeliveryError as exc:
            return Sent(None, exc.reason, permanent=exc.permanent)  # codes, never the address
        except ValueError:
            return Sent(None, "address unusable", permanent=True)
        return Sent(SMTP_OK)
