"""org.cvihub.referral.status-changed, version 1."""

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from cvihub_contracts import topics
from cvihub_contracts.base import EventData
from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
from cvihub_contracts.referral.network_v1 import DeadlineMissed, OfferChange
from cvihub_contracts.timestamps import Timestamp

EVENT_TYPE = "org.cvihub.referral.status-changed"


class ReferralStatus(StrEnum):
    """The states of the HL7 Gravity SDOH Clinical Care referral Task."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELED = "canceled"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    FAILED = "failed"
    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"


class StatusReason(StrEnum):
    """Why a referral reached its status."""

    COULD_NOT_CONTACT = "could-not-contact"
    NOT_ELIGIBLE = "not-eligible"
    NO_CAPACITY = "no-capacity"
    DECLINED_BY_CLIENT = "declined-by-client"
    SERVICES_DELIVERED = "services-delivered"
    OTHER = "other"
    # Revision 1: a reason for every move of the life cycle, and for the hub's own moves.
    ELIGIBLE = "eligible"
    CLIENT_ENGAGED = "client-engaged"
    CLIENT_UNAVAILABLE = "client-unavailable"
    NO_LONGER_NEEDED = "no-longer-needed"
    DUPLICATE = "duplicate"
    SUBMITTED_IN_ERROR = "submitted-in-error"


class ActivityKind(StrEnum):
    """What the recipient recorded without changing the status."""

    CONTACT_ATTEMPT = "contact-attempt"
    SERVICE_DELIVERED = "service-delivered"


class ContactMethod(StrEnum):
    """How the recipient tried to reach the person."""

    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    IN_PERSON = "in-person"
    HOME_VISIT = "home-visit"
    BEDSIDE = "bedside"
    OTHER = "other"


class ContactOutcome(StrEnum):
    """What came of a contact attempt."""

    REACHED = "reached"
    NO_ANSWER = "no-answer"
    LEFT_MESSAGE = "left-message"
    WRONG_NUMBER = "wrong-number"
    DECLINED = "declined"


class Activity(BaseModel):
    """A contact attempt or a service delivered, as the referring partner may see it.

    Never a case note: the recipient's own notes stay with the recipient."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ActivityKind = classified(C.INTERNAL, "Contact attempt or service delivered.")
    occurred_at: Timestamp = classified(C.INTERNAL, "When it happened.")
    method: ContactMethod | None = classified(
        C.INTERNAL, "How contact was attempted (attempts only).", default=None
    )
    outcome: ContactOutcome | None = classified(
        C.INTERNAL, "What came of the attempt (attempts only).", default=None
    )
    service_type: str | None = classified(
        C.INTERNAL,
        "The service delivered: a CVI service code (cvihub_contracts.codes.CviService).",
        default=None,
        max_length=64,
    )
    service_date: date | None = classified(
        C.INTERNAL, "When the service was delivered (services only).", default=None
    )


class ReferralStatusChangedV1(EventData):
    """A referral moved to a new status, or its recipient recorded what it did.

    Revision 1 adds reason codes and `activity` (a contact attempt or a service delivered, by
    the recipient); revision 2 `deadline_missed` (a service-level deadline passed) and `offer`
    (a network referral offered to or withdrawn from recipient_partner_id), both written by the
    hub as changed_by `cvihub`. Each of these is published with the status unchanged (status ==
    previous_status). Optional fields with defaults and added enum values, so earlier events
    read unchanged."""

    event_type: ClassVar[str] = EVENT_TYPE
    version: ClassVar[int] = 1
    schema_revision: ClassVar[int] = 2
    topic: ClassVar[str] = topics.REFERRALS

    referral_id: UUID = classified(C.INTERNAL, "The referral.")
    status: ReferralStatus = classified(C.INTERNAL, "The new status.")
    previous_status: ReferralStatus = classified(C.INTERNAL, "The status before.")
    reason: StatusReason | None = classified(C.INTERNAL, "Why.", default=None)
    note: str | None = classified(C.PHI, "Free-text note.", default=None, max_length=2000)
    changed_by_partner_id: str = classified(C.INTERNAL, "Who changed it.")
    referring_partner_id: str = classified(C.INTERNAL, "Who sent the referral.")
    recipient_partner_id: str = classified(C.INTERNAL, "Who it is addressed to.")
    changed_at: Timestamp = classified(C.INTERNAL, "When.")
    activity: Activity | None = Field(
        default=None, description="What the recipient recorded, when this is no move. Revision 1."
    )
    deadline_missed: DeadlineMissed | None = Field(
        default=None, description="A service-level deadline passed. Revision 2."
    )
    offer: OfferChange | None = Field(
        default=None,
        description="A network referral offered to or withdrawn from the recipient. Revision 2.",
    )

    def partition_key(self) -> str:
        return str(self.referral_id)

    def subject(self) -> str:
        return f"referrals/{self.referral_id}"
