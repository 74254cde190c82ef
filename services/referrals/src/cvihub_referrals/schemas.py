"""HTTP request and response bodies of the referrals API."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cvihub_contracts.codes import CviService
from cvihub_contracts.referral.status_changed_v1 import (
    ContactMethod,
    ContactOutcome,
    ReferralStatus,
    StatusReason,
)
from cvihub_contracts.referral.submitted_v1 import Urgency
from cvihub_referrals.consent_view import readable_payload
from cvihub_referrals.lists import Listed
from cvihub_referrals.service import ReferralView
from cvihub_referrals.store import ReferralRecord

Note = Annotated[
    str | None,
    Field(default=None, max_length=2000, description="Free-text note; treated as PHI."),
]
RequiredNote = Annotated[
    str,
    Field(min_length=1, max_length=2000, description="Why, in words; treated as PHI."),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AcceptRequest(_Body):
    """Accept a referral addressed to you."""

    reason: StatusReason = Field(
        default=StatusReason.ELIGIBLE, description="Why the referral is accepted."
    )
    note: Note = None


class DeclineRequest(_Body):
    """Decline (reject) a referral addressed to you."""

    reason: StatusReason = Field(description="Why the referral is declined.")
    note: RequiredNote


class StatusChangeRequest(_Body):
    """Move a referral to another status of its life cycle."""

    status: ReferralStatus = Field(description="The new status.")
    reason: StatusReason = Field(description="Why: a reason code.")
    note: RequiredNote


class AttemptRequest(_Body):
    """A contact attempt: when, how, and what came of it."""

    occurred_at: AwareDatetime = Field(
        description="When the attempt was made, with a time zone; not in the future."
    )
    method: ContactMethod
    outcome: ContactOutcome
    note: Note = Field(default=None, description="Your case note: never shown to the referrer.")


class ServiceRequest(_Body):
    """A service delivered: which (a CVI service code) and on which day."""

    service_type: CviService
    service_date: date = Field(description="When the service was delivered; not in the future.")
    note: Note = Field(default=None, description="Your case note: never shown to the referrer.")


class NoteRequest(_Body):
    """A case note of the recipient: kept with the referral, never shown to the referrer."""

    note: RequiredNote


class ActivityEntry(BaseModel):
    """A contact attempt, a service delivered, or one of your case notes."""

    kind: str = Field(description="contact-attempt, service-delivered or note.")
    occurred_at: datetime
    recorded_at: datetime
    by_partner_id: str
    method: ContactMethod | None
    outcome: ContactOutcome | None
    service_type: str | None
    service_date: date | None
    note: str | None = Field(description="A case note: only its author reads it.")


class ReferralSummary(BaseModel):
    """A referral in a list."""

    referral_id: UUID
    status: ReferralStatus
    referring_partner_id: str
    recipient_partner_id: str
    urgency: Urgency
    submitted_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: ReferralRecord) -> "ReferralSummary":
        """The summary of a stored referral."""
        return cls(
            referral_id=UUID(record.referral_id),
            status=ReferralStatus(record.status),
            referring_partner_id=record.referring_partner_id,
            recipient_partner_id=record.recipient_partner_id,
            urgency=Urgency(record.urgency),
            submitted_at=record.submitted_at,
            updated_at=record.updated_at,
        )


class HistoryEntry(BaseModel):
    """One status change."""

    at: datetime
    from_status: ReferralStatus | None = Field(description="None on the submission itself.")
    to_status: ReferralStatus
    reason: StatusReason | None
    note: str | None
    by_partner_id: str
    event_id: str


class ConsentState(BaseModel):
    """Whether the patient's consent covers you now."""

    covers_you: bool = Field(description="False: you read the referral, not the person.")
    reason: str | None = Field(
        description="Why not: consent withdrawn, consent expired, recipient not covered..."
    )


class ReferralDetail(ReferralSummary):
    """A referral as submitted, with its status and its history."""

    version: int = Field(description="Goes up by one with each status change.")
    payload: dict[str, Any] = Field(
        description="The referral as the referrer submitted it (ReferralSubmittedV1), cut to "
        "what the patient's consent lets you read now: the recipient gets contact details "
        "only with scope contact, injury details only with scope injury, and neither when it "
        "is not among the consent's recipients or the consent expired or was withdrawn."
    )
    withheld: list[str] = Field(
        description="JSON pointers of the payload's fields withheld from you."
    )
    consent: ConsentState
    history: list[HistoryEntry]
    accepted_at: datetime | None = Field(description="When the recipient accepted it.")
    first_contact_at: datetime | None = Field(
        description="When the recipient first reached the person (an attempt with outcome reached)."
    )
    activities: list[ActivityEntry] = Field(
        description="Attempts and services; case notes only for their author."
    )

    @classmethod
    def of_view(cls, view: ReferralView) -> "ReferralDetail":
        """The detail of a referral and its history."""
        record = view.referral
        readable = readable_payload(record.payload, view.release)
        return cls(
            **ReferralSummary.of(record).model_dump(),
            version=record.version,
            payload=readable.data,
            withheld=readable.withheld,
            consent=ConsentState(
                covers_you=view.release.refusal is None, reason=view.release.refusal
            ),
            history=[
                HistoryEntry(
                    at=entry.at,
                    from_status=ReferralStatus(entry.from_status) if entry.from_status else None,
                    to_status=ReferralStatus(entry.to_status),
                    reason=StatusReason(entry.reason) if entry.reason else None,
                    note=entry.note,
                    by_partner_id=entry.by_partner_id,
                    event_id=entry.event_id,
                )
                for entry in view.history
            ],
            accepted_at=record.accepted_at,
            first_contact_at=record.first_contact_at,
            activities=[
                ActivityEntry(
                    kind=entry.kind,
                    occurred_at=entry.occurred_at,
                    recorded_at=entry.recorded_at,
                    by_partner_id=entry.by_partner_id,
                    method=ContactMethod(entry.method) if entry.method else None,
                    outcome=ContactOutcome(entry.outcome) if entry.outcome else None,
                    service_type=entry.service_type,
                    service_date=entry.service_date,
                    note=entry.note,
                )
                for entry in view.activities
            ],
        )


class Timing(BaseModel):
    """The deadline a referral is under now (service levels), and whether it passed."""

    overdue: bool = Field(description="Past its deadline now.")
    deadline: str | None = Field(description="accept or first-contact; None: none runs.")
    due_at: datetime | None = Field(description="When the running deadline ends.")


class InboxItem(ReferralSummary, Timing):
    """A referral in the recipient's inbox."""

    relation: str = Field(
        description="owned: addressed to or accepted by you; offered: a network referral "
        "offered to you (accept it to own it)."
    )
    accepted_at: datetime | None
    first_contact_at: datetime | None

    @classmethod
    def of_listed(cls, listed: Listed) -> "InboxItem":
        """The inbox item of a listed referral."""
        record = listed.referral
        return cls(
            **ReferralSummary.of(record).model_dump(),
            **_timing(listed),
            relation=listed.relation,
            accepted_at=record.accepted_at,
            first_contact_at=record.first_contact_at,
        )


class SentItem(ReferralSummary, Timing):
    """A referral in the referrer's list, with how fast the recipient answered."""

    time_to_acceptance_seconds: float | None = Field(
        description="From submission to acceptance; None while not accepted."
    )
    time_to_first_contact_seconds: float | None = Field(
        description="From acceptance to the first contact that reached the person."
    )

    @classmethod
    def of_listed(cls, listed: Listed) -> "SentItem":
        """The sent item of a listed referral."""
        record = listed.referral
        accepted, contacted = record.accepted_at, record.first_contact_at
        return cls(
            **ReferralSummary.of(record).model_dump(),
            **_timing(listed),
            time_to_acceptance_seconds=(
                (accepted - record.submitted_at).total_seconds() if accepted else None
            ),
            time_to_first_contact_seconds=(
                (contacted - accepted).total_seconds() if accepted and contacted else None
            ),
        )


def _timing(listed: Listed) -> dict[str, Any]:
    deadline = listed.deadline
    return {
        "overdue": listed.overdue,
        "deadline": deadline.clock.value if deadline else None,
        "due_at": deadline.due_at if deadline else None,
    }
