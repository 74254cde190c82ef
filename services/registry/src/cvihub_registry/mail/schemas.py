"""HTTP bodies of the mail outbox view."""

from datetime import datetime

from pydantic import Field

from cvihub_registry.mail.domain import MailStatus
from cvihub_registry.schemas import ResponseBody


class MailOut(ResponseBody):
    """A message in the mail outbox and how its delivery stands."""

    message_id: int
    to: str
    subject: str
    body: str | None = Field(
        description="Only while no SMTP relay is set (development): then codes are read here. "
        "With a relay, never shown; wiped once sent or failed."
    )
    created_at: datetime
    status: MailStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None = Field(description="Why the last attempt failed (no addresses).")
    sent_at: datetime | None
