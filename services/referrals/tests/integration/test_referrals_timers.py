"""Service-level timers: reminder then escalation, each fired exactly once, across two replicas
(each its own engine on one database), a lease taken over after a replica dies, and timers that
outlive the process that planned them."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from referrals_builders import CVI_ORG, HOSPITAL, make_submitted, submitted_event
from sqlalchemy import func, select

from cvihub_contracts import from_kafka
from cvihub_contracts.referral.network_v1 import DeadlineMissed, Escalation
from cvihub_contracts.referral.status_changed_v1 import (
    ReferralStatus,
    ReferralStatusChangedV1,
    StatusReason,
)
from cvihub_contracts.referral.submitted_v1 import Urgency
from cvihub_referrals import service
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.models import outbox, timers
from cvihub_referrals.service_levels import DEFAULT_SERVICE_LEVELS
from cvihub_referrals.timers import TimerWorker, _LostClaim
from cvihub_registry_copy import MIGRATIONS as registry_copy_migrations
from cvihub_runtime.db import (
    SessionFactory,
    bind_key_ring,
    create_engine,
    session_factory,
    transaction,
)
from cvihub_runtime.migrations import upgrade
from cvihub_testkit import TestDatabase, test_key_ring

pytestmark = pytest.mark.integration

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


@pytest.fixture
async def replicas(
    make_database: Callable[[str], TestDatabase],
) -> AsyncIterator[Callable[[], SessionFactory]]:
    """Session factories of separate engines on one database, as two replicas have."""
    db = make_database("referrals")
    engines = []

    def replica() -> SessionFactory:
        engine = create_engine(db.url, db.schema)
        engines.append(engine)
        sessions = session_factory(engine)
        bind_key_ring(sessions, test_key_ring())
        return sessions

    first = replica()
    await upgrade(engines[0], MIGRATIONS_DIR, db.schema, shared=[registry_copy_migrations])
    del first
    try:
        yield replica
    finally:
        for engine in engines:
            await engine.dispose()


def _worker(sessions: SessionFactory, name: str, lease_seconds: int = 60) -> TimerWorker:
    return TimerWorker(
        sessions=sessions,
        levels=DEFAULT_SERVICE_LEVELS,
        worker_id=name,
        lease=timedelta(seconds=lease_seconds),
    )


async def _submit(sessions: SessionFactory, urgency: Urgency = Urgency.EMERGENT) -> str:
    data = make_submitted(urgency=urgency, submitted_at=T0)
    async with transaction(sessions) as session:
        await service.record_submission(session=session, event=submitted_event(data))
    return str(data.referral_id)


async def _missed(sessions: SessionFactory) -> list[DeadlineMissed]:
    async with sessions() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
    found = []
    for row in rows:
        headers = {k: v.encode() for k, v in row.headers.items()}
        data = from_kafka(headers, bytes(row.key), test_key_ring().open(bytes(row.value))).data
        if isinstance(data, ReferralStatusChangedV1) and data.deadline_missed is not None:
            assert data.changed_by_partner_id == "cvihub" and data.status == data.previous_status
            found.append(data.deadline_missed)
    return found


async def _missed_referrals(sessions: SessionFactory) -> list[str]:
    async with sessions() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
    found = []
    for row in rows:
        headers = {k: v.encode() for k, v in row.headers.items()}
        data = from_kafka(headers, bytes(row.key), test_key_ring().open(bytes(row.value))).data
        if isinstance(data, ReferralStatusChangedV1) and data.deadline_missed is not None:
            found.append(str(data.referral_id))
    return found


async def test_the_owner_is_reminded_then_the_sender_alerted_once_each(
    replicas: Callable[[], SessionFactory],
) -> None:
    sessions = replicas()
    worker = _worker(sessions, "a")
    referral_id = await _submit(sessions)
    assert await worker.plan_once() == 2
    assert await worker.plan_once() == 0  # planned once

    assert await worker.fire_once(T0 + timedelta(minutes=29)) == 0
    assert await worker.fire_once(T0 + timedelta(minutes=30)) == 1
    assert await worker.fire_once(T0 + timedelta(minutes=45)) == 0
    assert await worker.fire_once(T0 + timedelta(minutes=60)) == 1
    assert await worker.fire_once(T0 + timedelta(hours=5)) == 0

    reminder, alert = await _missed(sessions)
    assert (reminder.escalation, reminder.notify_partner_ids) == (
        Escalation.REMIND_OWNER,
        [CVI_ORG],
    )
    assert (alert.escalation, alert.notify_partner_ids) == (Escalation.ALERT_SENDER, [HOSPITAL])
    assert reminder.deadline == "accept" and reminder.due_at == T0 + timedelta(minutes=30)
    assert referral_id in await _missed_referrals(sessions)


async def test_a_deadline_met_in_time_fires_nothing_and_the_next_one_runs(
    replicas: Callable[[], SessionFactory],
) -> None:
    sessions = replicas()
    worker = _worker(sessions, "a")
    referral_id = await _submit(sessions)
    await worker.plan_once()
    accepted_at = T0 + timedelta(minutes=10)
    await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=CVI_ORG,
        target=ReferralStatus.ACCEPTED,
        reason=StatusReason.ELIGIBLE,
        now=accepted_at,
    )
    assert await worker.plan_once() == 2  # the first-contact deadline's two steps
    assert await worker.fire_once(T0 + timedelta(hours=1)) == 0  # accept timers: void
    # No first contact within 4 hours of acceptance: the owner is reminded.
    assert await worker.fire_once(accepted_at + timedelta(hours=4)) == 1
    [reminder] = await _missed(sessions)
    assert (reminder.deadline, reminder.escalation) == ("first-contact", "remind-owner")
    async with sessions() as session:
        states = sorted((await session.execute(select(timers.c.state))).scalars())
    assert states == ["fired", "pending", "void", "void"]


async def test_two_replicas_fire_each_timer_exactly_once(
    replicas: Callable[[], SessionFactory],
) -> None:
    first, second = replicas(), replicas()
    workers = [_worker(first, "replica-1"), _worker(second, "replica-2")]
    ids = [await _submit(first) for _ in range(12)]
    planned = await asyncio.gather(*(w.plan_once() for w in workers))
    assert sum(planned) == 2 * len(ids)  # each timer planned by one of them only

    at = T0 + timedelta(minutes=40)  # reminders due, escalations not yet
    fired = await asyncio.gather(*(w.fire_once(at) for w in workers for _ in range(3)))

    assert sum(fired) == len(ids)
    assert sorted(await _missed_referrals(first)) == sorted(ids)
    async with first() as session:
        counted = await session.execute(
            select(timers.c.state, func.count()).group_by(timers.c.state)
        )
        by_state = {state: count for state, count in counted}
    assert by_state == {"fired": len(ids), "pending": len(ids)}


async def test_a_replica_that_dies_holding_a_timer_leaves_it_to_another_after_the_lease(
    replicas: Callable[[], SessionFactory],
) -> None:
    dead_sessions = replicas()
    dead = _worker(dead_sessions, "dead", lease_seconds=30)
    await _submit(dead_sessions)
    await dead.plan_once()
    at = T0 + timedelta(minutes=31)
    async with dead_sessions() as session:
        [timer_id] = (
            await session.execute(select(timers.c.id).where(timers.c.stage == "reminder"))
        ).scalars()
    assert await dead._claim(timer_id, at)  # claimed, then the process dies

    # A fresh process (new engine) finds the stored timer; the lease holds it for 30 s.
    survivor = _worker(replicas(), "survivor", lease_seconds=30)
    assert await survivor.fire_once(at + timedelta(seconds=29)) == 0
    assert await survivor.fire_once(at + timedelta(seconds=30)) == 1
    # The dead replica coming back late, its claim taken over, cannot fire it a second time.
    with pytest.raises(_LostClaim):
        await dead._fire(timer_id, at + timedelta(seconds=31))
    assert await dead.fire_once(at + timedelta(seconds=31)) == 0
    assert len(await _missed(dead_sessions)) == 1
