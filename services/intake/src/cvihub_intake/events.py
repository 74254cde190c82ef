"""Pure builders: a partner's submission becomes the hub's event, and the 202 answer to it."""

import uuid
from datetime import datetime
from typing import Any

from cvihub_contracts import Event, Stream, new_event, partner_source
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertSubmission, IncidentAlertV1
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertSubmissionV2, IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1, BulletinSubmission
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission, ReferralSubmittedV1
from cvihub_intake.checks import Submission
from cvihub_intake.models import SubmissionKind
from cvihub_intake.schemas import AlertAccepted, BulletinAccepted, ReferralAccepted

AcceptedEvent = (
    Event[ReferralSubmittedV1]
    | Event[IncidentAlertV1 | IncidentAlertV2]
    | Event[BulletinPublishedV1]
)

STREAM_OF_KIND = {
    SubmissionKind.REFERRAL: Stream.REFERRALS,
    SubmissionKind.INCIDENT_ALERT: Stream.INCIDENT_ALERTS,
    SubmissionKind.BULLETIN: Stream.BULLETINS,
}


def kind_of(submission: Submission) -> SubmissionKind:
    """What kind of submission this is."""
    if isinstance(submission, ReferralSubmission):
        return SubmissionKind.REFERRAL
    if isinstance(submission, IncidentAlertSubmission | IncidentAlertSubmissionV2):
        return SubmissionKind.INCIDENT_ALERT
    return SubmissionKind.BULLETIN


def build_referral_event(
    *,
    submission: ReferralSubmission,
    partner_id: str,
    now: datetime,
    correlation_id: str | None = None,
) -> Event[ReferralSubmittedV1]:
    """The referral.submitted event for a partner's referral, with a fresh referral id."""
    data = ReferralSubmittedV1(
        **submission.model_dump(),
        referral_id=uuid.uuid4(),
        referring_partner_id=partner_id,
        submitted_at=now,
    )
    return new_event(
        data, source=partner_source(partner_id), correlation_id=correlation_id, time=now
    )


def build_alert_event(
    *,
    submission: IncidentAlertSubmission | IncidentAlertSubmissionV2,
    partner_id: str,
    now: datetime,
    correlation_id: str | None = None,
) -> Event[IncidentAlertV1 | IncidentAlertV2]:
    """The incident-alert.published event, in the version the partner posted, with a new id."""
    model = (
        IncidentAlertV2 if isinstance(submission, IncidentAlertSubmissionV2) else IncidentAlertV1
    )
    data = model.model_validate(
        {
            **submission.model_dump(),
            "alert_id": uuid.uuid4(),
            "publisher_partner_id": partner_id,
            "received_at": now,
        }
    )
    return new_event(
        data, source=partner_source(partner_id), correlation_id=correlation_id, time=now
    )


def build_bulletin_event(
    *,
    submission: BulletinSubmission,
    partner_id: str,
    now: datetime,
    correlation_id: str | None = None,
) -> Event[BulletinPublishedV1]:
    """The bulletin.published event for a partner's bulletin, with a fresh bulletin id."""
    data = BulletinPublishedV1(
        **submission.model_dump(),
        bulletin_id=uuid.uuid4(),
        publisher_partner_id=partner_id,
        published_at=now,
    )
    return new_event(
        data, source=partner_source(partner_id), correlation_id=correlation_id, time=now
    )


def build_event(
    submission: Submission, *, partner_id: str, now: datetime, correlation_id: str | None
) -> AcceptedEvent:
    """The event for any submission."""
    if isinstance(submission, ReferralSubmission):
        return build_referral_event(
            submission=submission, partner_id=partner_id, now=now, correlation_id=correlation_id
        )
    if isinstance(submission, IncidentAlertSubmission | IncidentAlertSubmissionV2):
        return build_alert_event(
            submission=submission, partner_id=partner_id, now=now, correlation_id=correlation_id
        )
    return build_bulletin_event(
        submission=submission, partner_id=partner_id, now=now, correlation_id=correlation_id
    )


def accepted_body(event: AcceptedEvent) -> dict[str, Any]:
    """The JSON of the 202 answer to an accepted submission (kept for idempotent replays)."""
    data = event.data
    event_id = event.envelope.id
    if isinstance(data, ReferralSubmittedV1):
        body: Any = ReferralAccepted(event_id=event_id, referral_id=data.referral_id)
    elif isinstance(data, IncidentAlertV1 | IncidentAlertV2):
        body = AlertAccepted(event_id=event_id, alert_id=data.alert_id)
    else:
        body = BulletinAccepted(event_id=event_id, bulletin_id=data.bulletin_id)
    result: dict[str, Any] = body.model_dump(mode="json")
    return result
