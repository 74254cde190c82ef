"""HTTP response models of the intake API (request bodies are the contract submissions)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from cvihub_intake.models import SubmissionKind


class ReferralAccepted(BaseModel):
    """The hub accepted a referral and will publish it."""

    event_id: str = Field(description="The id of the referral.submitted event.")
    referral_id: UUID = Field(description="The hub's id of the new referral.")
    status: Literal["accepted"] = "accepted"


class AlertAccepted(BaseModel):
    """The hub accepted an incident alert and will publish it."""

    event_id: str = Field(description="The id of the incident-alert.published event.")
    alert_id: UUID = Field(description="The hub's id of this alert revision.")


class BulletinAccepted(BaseModel):
    """The hub accepted a community bulletin and will publish it."""

    event_id: str = Field(description="The id of the bulletin.published event.")
    bulletin_id: UUID = Field(description="The hub's id of the bulletin.")


class SubmissionState(BaseModel):
    """Where one of the caller's submissions stands."""

    event_id: str
    kind: SubmissionKind
    accepted_at: datetime
    published: bool = Field(description="Whether the event has reached the broker.")


class FieldError(BaseModel):
    """One field that failed validation; the input value is never echoed."""

    pointer: str = Field(description="JSON pointer into the request body, e.g. #/patient/phone.")
    detail: str
    code: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
