"""org.cvihub.referral.status-changed, version 1."""

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from cvihub_contracts import topics
from cvihub_contracts.base import EventData
from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
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


class ReferralStatusChangedV1(EventData):
    """A referral moved to a new status."""

    event_type: ClassVar[str] = EVENT_TYPE
    version: ClassVar[int] = 1
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

    def partition_key(self) -> str:
        return str(self.referral_id)

    def subject(self) -> str:
        return f"referrals/{self.referral_id}"
