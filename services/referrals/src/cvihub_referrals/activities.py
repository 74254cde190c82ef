"""Use cases of the recipient's record of its work: contact attempts, services delivered, notes.

Attempts and services reach the referring partner as status events with the status unchanged
(the Gravity Task's output); a case note stays with the recipient and travels nowhere.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import structlog

from cvihub_contracts import new_event, partner_source, to_kafka
from cvihub_contracts.codes import CviService
from cvihub_contracts.referral.status_changed_v1 import (
    Activity,
    ActivityKind,
    ContactMethod,
    ContactOutcome,
    ReferralStatus,
    ReferralStatusChangedV1,
)
from cvihub_referrals import metrics, store
from cvihub_referrals.lifecycle import Role
from cvihub_referrals.models import outbox
from cvihub_referrals.service import NOTE, ReferralView, roles_of, view_of, visible
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.outbox import add_to_outbox

log = structlog.get_logger(__name__)

S = ReferralStatus
RECORDABLE: dict[str, frozenset[ReferralStatus]] = {
    ActivityKind.CONTACT_ATTEMPT.value: frozenset({S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD}),
    ActivityKind.SERVICE_DELIVERED.value: frozenset({S.ACCEPTED, S.IN_PROGRESS}),
    NOTE: frozenset(S),
}
"""In which statuses each kind of activity may be recorded."""


class NotTheRecipient(PermissionError):
    """Only the organisation a referral is addressed to records its work on it."""


class NotRecordable(ValueError):
    """The referral's status does not allow this kind of activity."""

    def __init__(self, kind: str, status: ReferralStatus) -> None:
        super().__init__(f"a {kind} cannot be recorded on a referral that is {status}")
        self.kind = kind
        self.status = status


class InTheFuture(ValueError):
    """A time at which something happened lies beyond the allowed clock skew."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is in the future")
        self.field = field


@dataclass(frozen=True)
class Attempt:
    """A contact attempt as the recipient reports it."""

    occurred_at: datetime
    method: ContactMethod
    outcome: ContactOutcome


@dataclass(frozen=True)
class ServiceDelivered:
    """A service the recipient delivered."""

    service_type: CviService
    service_date: date


def _shared(entry: Attempt | ServiceDelivered | None, now: datetime) -> Activity | None:
    if isinstance(entry, Attempt):
        return Activity(
            kind=ActivityKind.CONTACT_ATTEMPT,
            occurred_at=entry.occurred_at,
            method=entry.method,
            outcome=entry.outcome,
        )
    if isinstance(entry, ServiceDelivered):
        return Activity(
            kind=ActivityKind.SERVICE_DELIVERED,
            occurred_at=now,
            service_type=entry.service_type.value,
            service_date=entry.service_date,
        )
    return None


def check_not_future(
    entry: Attempt | ServiceDelivered | None, now: datetime, skew: timedelta
) -> None:
    """Refuse an attempt or a service dated beyond now plus the allowed clock skew."""
    if isinstance(entry, Attempt) and entry.occurred_at > now + skew:
        raise InTheFuture("occurred_at")
    if isinstance(entry, ServiceDelivered) and entry.service_date > (now + skew).date():
        raise InTheFuture("service_date")


async def record_activity(
    *,
    sessions: SessionFactory,
    referral_id: str,
    partner_id: str,
    entry: Attempt | ServiceDelivered | None,
    note: str | None,
    skew: timedelta = timedelta(minutes=5),
    on_committed: Callable[[], None] | None = None,
    now: datetime | None = None,
) -> ReferralView:
    """Record an attempt, a service (entry) or a case note (entry None): stored, and for an
    attempt or service a status event to the referrer, in one transaction."""
    recorded_at = now or datetime.now(UTC)
    check_not_future(entry, recorded_at, skew)
    shared = _shared(entry, recorded_at)
    kind = shared.kind.value if shared is not None else NOTE
    async with transaction(sessions) as session:
        referral = await visible(session, referral_id, partner_id)
        if Role.RECIPIENT not in roles_of(referral, partner_id):
            raise NotTheRecipient(referral_id)
        status = ReferralStatus(referral.status)
        if status not in RECORDABLE[kind]:
            raise NotRecordable(kind, status)
        event_id = None
        if shared is not None:
            event = new_event(
                ReferralStatusChangedV1(
                    referral_id=UUID(referral.referral_id),
                    status=status,
                    previous_status=status,
                    changed_by_partner_id=partner_id,
                    referring_partner_id=referral.referring_partner_id,
                    recipient_partner_id=referral.recipient_partner_id,
                    changed_at=recorded_at,
                    activity=shared,
                ),
                source=partner_source(partner_id),
                causation_id=referral.submitted_event_id,
                correlation_id=referral.correlation_id,
            )
            event_id = event.envelope.id
            await add_to_outbox(session, outbox, to_kafka(event))
        await store.add_activity(
            session,
            referral_id,
            store.ActivityRecord(
                kind=kind,
                occurred_at=shared.occurred_at if shared is not None else recorded_at,
                recorded_at=recorded_at,
                by_partner_id=partner_id,
                method=shared.method.value if shared and shared.method else None,
                outcome=shared.outcome.value if shared and shared.outcome else None,
                service_type=shared.service_type if shared is not None else None,
                service_date=shared.service_date if shared is not None else None,
                note=note,
                event_id=event_id,
            ),
        )
        if isinstance(entry, Attempt) and entry.outcome is ContactOutcome.REACHED:
            await store.first_contact(session, referral_id, entry.occurred_at)
        updated = await store.get_referral(session, referral_id)
        assert updated is not None
        view = await view_of(session, updated, partner_id)
    metrics.ACTIVITIES.labels(kind=kind).inc()
    log.info("referral activity recorded", referral_id=referral_id, kind=kind, event_id=event_id)
    if on_committed is not None and event_id is not None:
        on_committed()
    return view
