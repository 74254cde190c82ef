"""HTTP bodies of sign-in, device sessions and people management."""

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, model_validator

from cvihub_registry.partners.schemas import PartnerOut
from cvihub_registry.people.domain import PersonRole, PersonStatus
from cvihub_registry.schemas import SINGLE_LINE, Email, Name, RequestBody, ResponseBody

DisplayName = Name


class CodeRequest(RequestBody):
    """Ask for a sign-in code by email."""

    email: Email = Field(examples=["worker@safestreets.example.org"])


class SessionRequest(RequestBody):
    """Trade the emailed code for a device session."""

    email: Email
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit code from the email.")
    device_name: Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE] = Field(
        examples=["Work phone"]
    )


class PersonOut(ResponseBody):
    """A person within a partner."""

    person_id: str
    partner_id: str
    display_name: str
    email: str
    role: PersonRole
    status: PersonStatus
    created_at: datetime


class SessionOut(ResponseBody):
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


class PersonCreate(RequestBody):
    """A person to add to a partner."""

    email: Email
    display_name: DisplayName
    role: PersonRole


class PersonUpdate(RequestBody):
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
