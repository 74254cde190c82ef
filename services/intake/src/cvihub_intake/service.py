"""Intake use cases: turn a partner's submission into an event staged in the outbox."""

import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, GrantAction, Stream, new_event, partner_source, to_kafka
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertSubmission, IncidentAlertV1
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertSubmissionV2, IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1, BulletinSubmission
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission, ReferralSubmittedV1
from cvihub_intake import store
from cvihub_intake.models import SubmissionKind, registry_copy
from cvihub_registry_copy import consents as consent_copy
from cvihub_runtime.db import SessionFactory, transaction

log = structlog.get_logger(__name__)


class Refusal(Exception):
    """A submission the hub will not accept; `kind` names why, `pointer` the field at fault."""

    def __init__(self, kind: str, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.pointer = pointer


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


def check_recipient(
    *, submission: ReferralSubmission, recipient_is_active: bool, now: datetime
) -> None:
    """Refuse a referral to an unknown recipient or one the patient's consent does not cover."""
    if not recipient_is_active:
        raise Refusal(
            "unknown-recipient",
            "the recipient is not an active partner of the hub",
            pointer="#/recipient_partner_id",
        )
    consent = submission.consent
    if submission.recipient_partner_id not in consent.recipient_partner_ids:
        raise Refusal(
            "consent-does-not-cover-recipient",
            "the patient's consent does not name the recipient",
            pointer="#/consent/recipient_partner_ids",
        )
    if consent.expires_at is not None and _as_utc(consent.expires_at) <= now:
        raise Refusal(
            "consent-expired", "the patient's consent has expired", pointer="#/consent/expires_at"
        )


_CONSENT_KINDS = {
    consent_copy.CONSENT_UNKNOWN: "consent-record-unknown",
    consent_copy.CONSENT_WITHDRAWN: "consent-withdrawn",
    consent_copy.CONSENT_EXPIRED: "consent-record-expired",
    consent_copy.CONSENT_OTHER_CUSTODIAN: "consent-record-not-yours",
    consent_copy.RECIPIENT_NOT_COVERED: "consent-record-does-not-cover-recipient",
}


def check_consent_record(
    *,
    submission: ReferralSubmission,
    partner_id: str,
    record: consent_copy.ConsentRecord | None,
    now: datetime,
) -> None:
    """Refuse a referral whose quoted consent record is unknown, withdrawn, expired, another
    partner's, or does not cover the recipient or the scope the referral claims."""
    pointer = "#/consent/consent_id"
    reason = consent_copy.consent_refusal(
        record,
        custodian_partner_id=partner_id,
        recipient_partner_id=submission.recipient_partner_id,
        now=now,
    )
    if reason is not None:
        detail = f"the quoted consent record: {reason}"
        raise Refusal(_CONSENT_KINDS[reason], detail, pointer=pointer)
    assert record is not None
    beyond = sorted(set(submission.consent.scope) - record.scope)
    if beyond:
        raise Refusal(
            "consent-scope-exceeds-record",
            f"the consent record does not cover the scope {', '.join(beyond)}",
            pointer="#/consent/scope",
        )


async def may_publish(*, session: AsyncSession, partner_id: str, stream: Stream) -> bool:
    """Whether the partner holds an active publish grant on the stream."""
    return await registry_copy.is_granted(session, partner_id, stream, GrantAction.PUBLISH)


async def submit_referral(
    *,
    sessions: SessionFactory,
    partner_id: str,
    submission: ReferralSubmission,
    correlation_id: str | None = None,
) -> Event[ReferralSubmittedV1]:
    """Accept a referral from a partner allowed to publish referrals; stage its event."""
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        active = await store.is_active_partner(session, submission.recipient_partner_id)
        check_recipient(submission=submission, recipient_is_active=active, now=now)
        consent_id = submission.consent.consent_id
        if consent_id is not None:
            record = await registry_copy.consent(session, consent_id)
            check_consent_record(
                submission=submission, partner_id=partner_id, record=record, now=now
            )
        event = build_referral_event(
            submission=submission, partner_id=partner_id, now=now, correlation_id=correlation_id
        )
        await _stage(session, event, partner_id, SubmissionKind.REFERRAL, now)
    log.info(
        "referral accepted",
        event_id=event.envelope.id,
        referral_id=str(event.data.referral_id),
        partner_id=partner_id,
    )
    return event


async def submit_alert(
    *,
    sessions: SessionFactory,
    partner_id: str,
    submission: IncidentAlertSubmission | IncidentAlertSubmissionV2,
    correlation_id: str | None = None,
) -> Event[IncidentAlertV1 | IncidentAlertV2]:
    """Accept an incident alert from a partner allowed to publish alerts; stage its event."""
    now = datetime.now(UTC)
    event = build_alert_event(
        submission=submission, partner_id=partner_id, now=now, correlation_id=correlation_id
    )
    async with transaction(sessions) as session:
        await _stage(session, event, partner_id, SubmissionKind.INCIDENT_ALERT, now)
    log.info(
        "incident alert accepted",
        event_id=event.envelope.id,
        alert_id=str(event.data.alert_id),
        version=event.data.version,
        partner_id=partner_id,
    )
    return event


async def submit_bulletin(
    *,
    sessions: SessionFactory,
    partner_id: str,
    submission: BulletinSubmission,
    correlation_id: str | None = None,
) -> Event[BulletinPublishedV1]:
    """Accept a community bulletin from a partner allowed to publish them; stage its event."""
    now = datetime.now(UTC)
    event = build_bulletin_event(
        submission=submission, partner_id=partner_id, now=now, correlation_id=correlation_id
    )
    async with transaction(sessions) as session:
        await _stage(session, event, partner_id, SubmissionKind.BULLETIN, now)
    log.info(
        "bulletin accepted",
        event_id=event.envelope.id,
        bulletin_id=str(event.data.bulletin_id),
        partner_id=partner_id,
    )
    return event


async def find_own_submission(
    *, sessions: SessionFactory, partner_id: str, event_id: str
) -> store.SubmissionRecord | None:
    """The caller's own submission with this event id; None for anyone else's."""
    async with sessions() as session:
        return await store.find_submission(session, event_id=event_id, partner_id=partner_id)


async def submission_exists(*, sessions: SessionFactory, event_id: str) -> bool:
    """Whether any partner made a submission with this event id."""
    async with sessions() as session:
        return await store.submission_exists(session, event_id=event_id)


async def _stage(
    session: AsyncSession,
    event: Event[ReferralSubmittedV1]
    | Event[IncidentAlertV1 | IncidentAlertV2]
    | Event[BulletinPublishedV1],
    partner_id: str,
    kind: SubmissionKind,
    now: datetime,
) -> None:
    await store.stage_submission(
        session,
        record=to_kafka(event),
        event_id=event.envelope.id,
        partner_id=partner_id,
        kind=kind,
        accepted_at=now,
    )


def _as_utc(moment: datetime) -> datetime:
    # A consent time without an offset is read as UTC rather than refused.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
