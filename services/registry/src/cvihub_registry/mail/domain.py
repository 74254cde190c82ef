"""Outgoing mail as plain values: a message to send and one as stored in the outbox."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class MailMessage:
    """An email to send; `expires_at`: not worth delivering after (a code's own expiry)."""

    to: str
    subject: str
    body: str
    expires_at: datetime | None = None


class MailStatus(StrEnum):
    """Where a message of the mail outbox is: waiting (or being retried), sent, given up."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class StoredMail:
    """A message in the mail outbox; body None once sent or failed (or when withheld)."""

    message_id: int
    to: str
    subject: str
    body: str | None
    created_at: datetime
    status: MailStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
