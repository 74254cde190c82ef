"""HTTP request bodies of the portal API."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cvihub_contracts.codes import CviService
from cvihub_contracts.referral.status_changed_v1 import (
    ContactMethod,
    ContactOutcome,
    StatusReason,
)
from cvihub_contracts.referral.submitted_v1 import InjuryMechanism, Urgency

Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CodeRequest(_Body):
    """E-mail me a sign-in code."""

    email: Email


class SignInRequest(_Body):
    """Trade the e-mailed code for a session on this device."""

    email: Email
    code: str = Field(pattern=r"^[0-9]{6}$")
    device_name: str = Field(default="Phone", min_length=1, max_length=200)


class AdminSignInRequest(_Body):
    """A hub administrator trades the e-mailed code for a console session."""

    email: Email
    code: str = Field(pattern=r"^[0-9]{6}$")


class AlertResponseKind(StrEnum):
    """What someone in the organisation says about an alert."""

    ACKNOWLEDGED = "acknowledged"
    ON_MY_WAY = "on_my_way"
    HANDLED = "handled"


class AlertResponse(_Body):
    """One response to an incident alert."""

    incident_key: str = Field(min_length=1, max_length=200)
    response: AlertResponseKind


class Decline(_Body):
    """Decline a referral offered to the organisation."""

    reason: StatusReason


class ContactAttempt(_Body):
    """One attempt to reach the person referred; the time is the phone's, so an attempt queued
    offline keeps when it was made."""

    method: ContactMethod
    outcome: ContactOutcome
    occurred_at: AwareDatetime | None = Field(default=None, description="Now if not given.")


class ServiceDelivered(_Body):
    """A service delivered to the person referred: a CVI service code and the day."""

    service_type: CviService
    service_date: date


class ReferralForm(_Body):
    """The hospital's short referral form; consent says who may receive it and until when."""

    recipient_partner_id: str = Field(min_length=1, max_length=64)
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    preferred_language: str = Field(default="en", max_length=35)
    mechanism: InjuryMechanism
    urgency: Urgency = Urgency.ROUTINE
    consented_by: str = Field(min_length=1, max_length=200)
    consent_expires_at: datetime | None = None
    consent_confirmed: bool = Field(description="The patient (or guardian) agreed just now.")
    reason: str | None = Field(default=None, max_length=2000)


class BulletinForm(_Body):
    """An event or a resource to share on the community board."""

    kind: str = Field(pattern=r"^(event|resource)$")
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=4000)
    starts_at: datetime | None = None
    url: str | None = Field(default=None, pattern=r"^https?://", max_length=2000)
