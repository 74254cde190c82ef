"""HTTP bodies of sign-in, device sessions and people management."""

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cvihub_registry.people import MailStatus, PersonRole, PersonStatus
from cvihub_registry.schemas import PartnerOut
from cvihub_registry.seed import EMAIL_PATTERN

Email = Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]
DisplayName = Annotated[str, Field(min_length=1, max_length=200)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CodeRequest(_Request):
    """Ask for a sign-in code by email."""

    email: Email = Field(examples=["worker@safestreets.example.org"])


class SessionRequest(_Request):
    """Trade the emailed code for a device session."""

    email: Email
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit code from the email.")
    device_name: str = Field(min_length=1, max_length=200, examples=["Work phone"])


class PersonOut(_Response):
    """A person within a partner."""

    person_id: str
    partner_id: str
    display_name: str
    email: str
    role: PersonRole
    status: PersonStatus
    created_at: datetime


class SessionOut(_Response):
    """A device session (never its token)."""

    session_id: str
    person_id: str
    device_name: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class SessionCreated(BaseModel):
    """A new device session. `session_token` is shown this once: only its hash is kept."""

    session_token: str
    session_id: str
    person: PersonOut
    expires_at: datetime


class MeOut(BaseModel):
    """The signed-in person, their partner and the session in use."""

    person: PersonOut
    partner: PartnerOut
    session: SessionOut


class PersonCreate(_Request):
    """A person to add to a partner."""

    email: Email
    display_name: DisplayName
    role: PersonRole


class PersonUpdate(_Request):
    """Fields to change; status=disabled signs the person out of every device at once."""

    display_name: DisplayName | None = None
    role: PersonRole | None = None
    status: PersonStatus | None = None

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class MailOut(_Response):
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
