"""Use cases of the referrals service: record submissions, read, and move through statuses."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, new_event, partner_source, to_kafka
from cvihub_contracts.referral.status_changed_v1 import (
    ReferralStatus,
    ReferralStatusChangedV1,
    StatusReason,
)
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_referrals import metrics, routing, store
from cvihub_referrals.consent_view import NO_PERSON, Release, release_for
from cvihub_referrals.lifecycle import (
    FINAL_STATUSES,
    TRANSITIONS,
    InvalidTransition,
    Role,
    TransitionForbidden,
    check_transition,
)
from cvihub_referrals.models import outbox
from cvihub_referrals.submission_rules import check_times
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.outbox import add_to_outbox

log = structlog.get_logger(__name__)

S = ReferralStatus

__all__ = [
    "FINAL_STATUSES",
    "TRANSITIONS",
    "ConcurrentChange",
    "InvalidTransition",
    "NotAParty",
    "ReferralNotFound",
    "ReferralView",
    "Role",
    "TransitionForbidden",
    "change_status",
    "check_transition",
    "get_referral",
    "list_referrals",
    "record_submission",
    "roles_of",
    "shared_with",
    "view_of",
    "visible",
]


class ReferralNotFound(LookupError):
    """No such referral, or the caller is no party to it (the two look the same)."""


class NotAParty(ReferralNotFound):
    """The referral exists, but the caller is no party to it: answered as not found, audited."""


class ConcurrentChange(RuntimeError):
    """Someone else changed the referral between our read and our write."""


@dataclass(frozen=True)
class ReferralView:
    """A referral with its status history, as a party to it sees it."""

    referral: store.ReferralRecord
    history: list[store.HistoryRecord]
    activities: list[store.ActivityRecord] = field(default_factory=list)
    release: Release = field(default_factory=lambda: Release(NO_PERSON))
    """What the caller may read of the payload (the consent decides)."""


NOTE = "note"
"""The activity kind of a case note: the recipient's own, never shared."""


def shared_with(partner_id: str, entries: list[store.ActivityRecord]) -> list[store.ActivityRecord]:
    """The activities a party may read: its own, and the other party's attempts and services
    without their case notes."""
    return [
        entry if entry.by_partner_id == partner_id else replace(entry, note=None)
        for entry in entries
        if entry.by_partner_id == partner_id or entry.kind != NOTE
    ]


async def view_of(
    session: AsyncSession,
    referral: store.ReferralRecord,
    partner_id: str,
    now: datetime | None = None,
) -> ReferralView:
    """The referral, its history and activities as this party may read them now: the other
    party's notes (PHI) only while the consent releases PHI to it."""
    release = await release_for(session, referral, partner_id, now or datetime.now(UTC))
    history = [
        entry if entry.by_partner_id == partner_id or release.phi else replace(entry, note=None)
        for entry in await store.history(session, referral.referral_id)
    ]
    entries = await store.activities_of(session, referral.referral_id)
    return ReferralView(referral, history, shared_with(partner_id, entries), release)


def roles_of(referral: store.ReferralRecord, partner_id: str) -> frozenset[Role]:
    """The caller's parts in a referral; empty when it is no party to it."""
    roles: set[Role] = set()
    if referral.referring_partner_id == partner_id:
        roles.add(Role.REFERRER)
    if referral.recipient_partner_id == partner_id:
        roles.add(Role.RECIPIENT)
    return frozenset(roles)


async def record_submission(
    *,
    session: AsyncSession,
    event: Event[ReferralSubmittedV1],
    skew: timedelta = timedelta(minutes=5),
) -> None:
    """Store a submitted referral as requested, with its first history row; once per id.

    A referral whose times break the rules (submission_rules.py) raises ContractViolation."""
    data = event.data
    check_times(data, skew=skew)
    referral_id = str(data.referral_id)
    record = store.ReferralRecord(
        referral_id=referral_id,
        referring_partner_id=data.referring_partner_id,
        recipient_partner_id=data.recipient_partner_id,
        status=S.REQUESTED.value,
        urgency=data.urgency.value,
        payload=data.model_dump(mode="json"),
        submitted_at=data.submitted_at,
        updated_at=data.submitted_at,
        submitted_event_id=event.envelope.id,
        correlation_id=event.envelope.correlationid,
        version=1,
    )
    if not await store.insert_referral(session, record):
        # The same referral under another event id (a re-submission): keep the first.
        log.info("referral already stored", referral_id=referral_id, event_id=event.envelope.id)
        return
    await store.add_history(
        session,
        referral_id,
        store.HistoryRecord(
            at=data.submitted_at,
            from_status=None,
            to_status=S.REQUESTED.value,
            reason=None,
            note=None,
            by_partner_id=data.referring_partner_id,
            event_id=event.envelope.id,
        ),
    )
    if data.network is not None:
        await routing.offer(session, record, data.submitted_at)
    metrics.REFERRALS_RECORDED.inc()
    log.info("referral recorded", referral_id=referral_id, event_id=event.envelope.id)


async def visible(session: AsyncSession, referral_id: str, partner_id: str) -> store.ReferralRecord:
    """The referral if the partner is a party to it; else ReferralNotFound (or NotAParty)."""
    referral = await store.get_referral(session, referral_id)
    if referral is None:
        raise ReferralNotFound(referral_id)
    if not roles_of(referral, partner_id) and not (
        routing.is_network(referral) and await routing.open_offer(session, referral_id, partner_id)
    ):
        raise NotAParty(referral_id)
    return referral


async def get_referral(
    *, sessions: SessionFactory, referral_id: str, partner_id: str
) -> ReferralView:
    """A referral and its history, for its referring or recipient partner only."""
    async with sessions() as session:
        referral = await visible(session, referral_id, partner_id)
        return await view_of(session, referral, partner_id)


async def list_referrals(
    *,
    sessions: SessionFactory,
    partner_id: str,
    role: Role | None,
    status: ReferralStatus | None,
    limit: int = 100,
) -> list[store.ReferralRecord]:
    """The partner's referrals (sent, received, or both), newest first."""
    async with sessions() as session:
        return await store.list_referrals(
            session,
            partner_id=partner_id,
            sent=role in (None, Role.REFERRER),
            received=role in (None, Role.RECIPIENT),
            status=status.value if status is not None else None,
            limit=limit,
        )


async def change_status(
    *,
    sessions: SessionFactory,
    referral_id: str,
    partner_id: str,
    target: ReferralStatus,
    reason: StatusReason,
    note: str | None = None,
    on_committed: Callable[[], None] | None = None,
    now: datetime | None = None,
) -> ReferralView:
    """Move a referral to `target` for a reason: status, history row and event in one go."""
    changed_at = now or datetime.now(UTC)
    async with transaction(sessions) as session:
        referral = await visible(session, referral_id, partner_id)
        current = ReferralStatus(referral.status)
        # An organisation offered a network referral answers as its recipient would.
        offered = routing.is_network(referral) and partner_id != referral.referring_partner_id
        roles = frozenset({Role.RECIPIENT}) if offered else roles_of(referral, partner_id)
        check_transition(current, target, roles)
        if offered and target is S.REJECTED:  # declines its offer; the others keep theirs
            await routing.decline(session, referral, partner_id, changed_at)
            return await view_of(session, referral, partner_id, changed_at)
        owner = partner_id if offered else referral.recipient_partner_id
        recipient = await release_for(session, referral, owner, changed_at)
        # The event reaches the recipient too: the referrer's note only while PHI is released.
        shared_note = note if partner_id != referral.referring_partner_id or recipient.phi else None
        event = new_event(
            ReferralStatusChangedV1(
                referral_id=UUID(referral.referral_id),
                status=target,
                previous_status=current,
                reason=reason,
                note=shared_note,
                changed_by_partner_id=partner_id,
                referring_partner_id=referral.referring_partner_id,
                recipient_partner_id=owner,
                changed_at=changed_at,
            ),
            source=partner_source(partner_id),
            causation_id=referral.submitted_event_id,
            correlation_id=referral.correlation_id,
        )
        moved = await store.set_status(
            session,
            referral_id,
            expected_version=referral.version,
            status=target.value,
            updated_at=changed_at,
            **({"accepted_at": changed_at} if target is S.ACCEPTED else {}),
            **({"recipient_partner_id": owner} if offered else {}),
        )
        if not moved:
            raise ConcurrentChange(referral_id)
        await store.add_history(
            session,
            referral_id,
            store.HistoryRecord(
                at=changed_at,
                from_status=current.value,
                to_status=target.value,
                reason=reason.value,
                note=note,
                by_partner_id=partner_id,
                event_id=event.envelope.id,
            ),
        )
        await add_to_outbox(session, outbox, to_kafka(event))
        if routing.is_network(referral):  # owned now, or canceled: the other offers close
            await routing.settle(session, referral, owner if offered else None, changed_at)
        updated = await store.get_referral(session, referral_id)
        assert updated is not None
        view = await view_of(session, updated, partner_id, changed_at)
    metrics.STATUS_CHANGES.labels(from_status=current.value, to_status=target.value).inc()
    log.info(
        "referral status changed",
        referral_id=referral_id,
        from_status=current.value,
        to_status=target.value,
        by_partner_id=partner_id,
        event_id=event.envelope.id,
    )
    if on_committed is not None:
        on_committed()
    return view
