"""org.cvihub.referral.submitted, version 1."""

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from cvihub_contracts import topics
from cvihub_contracts.base import EventData
from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
from cvihub_contracts.referral.network_v1 import NetworkCriteria
from cvihub_contracts.timestamps import (
    ClockChecked,
    OccurredAt,
    OccurredOn,
    Timestamp,
    period_end,
)

EVENT_TYPE = "org.cvihub.referral.submitted"


class ContactChannel(StrEnum):
    """How the patient prefers to be reached."""

    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    IN_PERSON = "in_person"


class Urgency(StrEnum):
    """How soon the receiving organisation should act."""

    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENT = "emergent"


class InjuryMechanism(StrEnum):
    """How the patient was injured."""

    GUNSHOT = "gunshot"
    STABBING = "stabbing"
    ASSAULT = "assault"
    OTHER = "other"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Patient(_Part):
    """Who is referred and how to reach them."""

    given_name: str = classified(C.PII, "Given name.", min_length=1, max_length=100)
    family_name: str = classified(C.PII, "Family name.", min_length=1, max_length=100)
    date_of_birth: OccurredOn | None = classified(C.PII, "Date of birth.", default=None)
    phone: str | None = classified(
        C.PII, "Phone number, E.164.", default=None, pattern=r"^\+[1-9]\d{6,14}$"
    )
    email: str | None = classified(C.PII, "E-mail address.", default=None, max_length=254)
    preferred_channel: ContactChannel = classified(
        C.INTERNAL, "Preferred contact channel.", default=ContactChannel.PHONE
    )
    preferred_language: str = classified(
        C.INTERNAL, "Preferred language, BCP 47 tag.", default="en", max_length=35
    )


class Injury(_Part):
    """The violent injury behind the referral."""

    mechanism: InjuryMechanism = classified(C.PHI, "Mechanism of injury.")
    injured_on: OccurredOn | None = classified(C.PHI, "Date of injury.", default=None)
    description: str | None = classified(C.PHI, "Clinical summary.", default=None, max_length=2000)


class Consent(_Part):
    """The patient's consent to be referred; the hub delivers only within it."""

    consented_by: str = classified(
        C.PII, "Who consented: the patient or a named guardian.", min_length=1, max_length=200
    )
    consented_at: OccurredAt = classified(C.INTERNAL, "When consent was given.")
    recipient_partner_ids: list[str] = classified(
        C.INTERNAL, "Organisations the consent covers.", min_length=1
    )
    scope: list[str] = classified(
        C.INTERNAL, "What may be shared, e.g. contact, injury.", default_factory=lambda: ["contact"]
    )
    expires_at: Timestamp | None = classified(C.INTERNAL, "When consent lapses.", default=None)
    consent_id: str | None = classified(
        C.INTERNAL,
        "The registry consent record this consent rests on (POST /v1/consents); the hub then "
        "checks the record (in force, custodian, recipients, scope) as well. Revision 1.",
        default=None,
        min_length=1,
        max_length=64,
    )

    _expiry_after_consent = period_end("expires_at", "consented_at")


class ReferringContact(_Part):
    """The hospital team member to call back."""

    name: str = classified(C.INTERNAL, "Name.", min_length=1, max_length=200)
    phone: str | None = classified(C.INTERNAL, "Phone.", default=None, max_length=32)
    email: str | None = classified(C.INTERNAL, "E-mail.", default=None, max_length=254)


class ReferralSubmission(_Part, ClockChecked):
    """What a referring partner sends to the hub's intake."""

    recipient_partner_id: str = classified(
        C.INTERNAL, "The CVI organisation the referral is addressed to.", min_length=1
    )
    patient: Patient
    injury: Injury
    consent: Consent
    referring_contact: ReferringContact
    reason: str | None = classified(C.PHI, "Why the patient is referred.", default=None)
    requested_services: list[str] = classified(
        C.INTERNAL, "Services requested, e.g. mentoring, relocation.", default_factory=list
    )
    urgency: Urgency = classified(C.INTERNAL, "How soon to act.", default=Urgency.ROUTINE)
    source_reference: str | None = classified(
        C.INTERNAL, "The referrer's own reference for this referral.", default=None, max_length=100
    )
    network: NetworkCriteria | None = Field(
        default=None,
        description="Address the referral to the network instead of one organisation: "
        "recipient_partner_id is then `network`, and the referral is offered to every "
        "organisation matching these criteria. Revision 2.",
    )


class ReferralSubmittedV1(EventData, ReferralSubmission):
    """A referring partner submitted a referral to a CVI organisation.

    Revision 1 adds `consent.consent_id`, the registry consent record the consent rests on.
    Revision 2 adds `network`: a referral addressed to the network, with the criteria of the
    organisations it is offered to. Optional with defaults, so earlier events read unchanged."""

    event_type: ClassVar[str] = EVENT_TYPE
    version: ClassVar[int] = 1
    schema_revision: ClassVar[int] = 2
    topic: ClassVar[str] = topics.REFERRALS
    submission: ClassVar[type[BaseModel] | None] = ReferralSubmission

    referral_id: UUID = classified(C.INTERNAL, "The hub's id of the referral.")
    referring_partner_id: str = classified(C.INTERNAL, "The partner that sent it.")
    submitted_at: Timestamp = classified(C.INTERNAL, "When the hub accepted it.")

    def partition_key(self) -> str:
        return str(self.referral_id)

    def subject(self) -> str:
        return f"referrals/{self.referral_id}"
