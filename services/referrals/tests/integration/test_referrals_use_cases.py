"""The use cases against a real database (SQLite or PostgreSQL), without the broker."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from referrals_builders import (
    CVI_ORG,
    HOSPITAL,
    OTHER_ORG,
    make_submitted,
    submitted_event,
)
from sqlalchemy import func, select

from cvihub_contracts import from_kafka
from cvihub_contracts.referral.status_changed_v1 import (
    ReferralStatus,
    ReferralStatusChangedV1,
    StatusReason,
)
from cvihub_referrals import service, store
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.models import outbox, status_history
from cvihub_runtime.db import (
    SessionFactory,
    create_engine,
    session_factory,
    transaction,
)
from cvihub_runtime.migrations import upgrade
from cvihub_runtime.outbox import open_payload
from cvihub_testkit import TestDatabase, test_key_ring

pytestmark = pytest.mark.integration


@pytest.fixture
async def sessions(make_database: Callable[[str], TestDatabase]) -> AsyncIterator[SessionFactory]:
    db = make_database("referrals")
    engine = create_engine(db.url, db.schema)
    await upgrade(engine, MIGRATIONS_DIR, db.schema)
    try:
        yield session_factory(engine, test_key_ring())
    finally:
        await engine.dispose()


async def _submit(sessions: SessionFactory, **overrides: object) -> str:
    event = submitted_event(make_submitted(**overrides))
    async with transaction(sessions) as session:
        await service.record_submission(session=session, event=event)
    return str(event.data.referral_id)


async def _count(sessions: SessionFactory, table: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


async def test_a_referral_resubmitted_under_another_event_id_is_kept_once(
    sessions: SessionFactory,
) -> None:
    data = make_submitted()
    for event in (submitted_event(data), submitted_event(data)):
        async with transaction(sessions) as session:
            await service.record_submission(session=session, event=event)
    view = await service.get_referral(
        sessions=sessions, referral_id=str(data.referral_id), partner_id=CVI_ORG
    )
    assert view.referral.status == "requested"
    assert len(view.history) == 1


async def test_lists_are_per_role_filtered_and_newest_first(sessions: SessionFactory) -> None:
    start = datetime(2024, 6, 1, tzinfo=UTC)
    older = await _submit(sessions, submitted_at=start)
    newer = await _submit(sessions, submitted_at=start + timedelta(hours=1))
    elsewhere = await _submit(sessions, recipient_partner_id=OTHER_ORG)
    await service.change_status(
        sessions=sessions,
        referral_id=older,
        partner_id=CVI_ORG,
        target=ReferralStatus.ACCEPTED,
        reason=StatusReason.ELIGIBLE,
    )

    async def ids(partner: str, role: service.Role | None, status: ReferralStatus | None = None):  # type: ignore[no-untyped-def]
        records = await service.list_referrals(
            sessions=sessions, partner_id=partner, role=role, status=status
        )
        return [r.referral_id for r in records]

    assert await ids(CVI_ORG, service.Role.RECIPIENT) == [newer, older]
    assert await ids(CVI_ORG, service.Role.REFERRER) == []
    assert await ids(HOSPITAL, service.Role.REFERRER) == [elsewhere, newer, older]
    assert await ids(HOSPITAL, None, ReferralStatus.ACCEPTED) == [older]
    assert await ids(OTHER_ORG, None) == [elsewhere]


async def test_a_change_writes_status_history_and_outbox_in_one_go(
    sessions: SessionFactory,
) -> None:
    referral_id = await _submit(sessions)
    woken: list[bool] = []
    view = await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=CVI_ORG,
        target=ReferralStatus.REJECTED,
        reason=StatusReason.NO_CAPACITY,
        note="full this month",
        on_committed=lambda: woken.append(True),
    )
    assert (view.referral.status, view.referral.version) == ("rejected", 2)
    assert woken == [True]
    last = view.history[-1]
    assert (last.from_status, last.to_status, last.reason) == (
        "requested",
        "rejected",
        "no-capacity",
    )

    async with sessions() as session:
        row = (await session.execute(select(outbox))).one()
        value = open_payload(session, bytes(row.value))
    event = from_kafka({k: v.encode() for k, v in row.headers.items()}, bytes(row.key), value)
    assert isinstance(event.data, ReferralStatusChangedV1)
    assert event.envelope.id == last.event_id
    assert event.data.reason is StatusReason.NO_CAPACITY

    # A refused change leaves no trace.
    with pytest.raises(service.InvalidTransition):
        await service.change_status(
            sessions=sessions,
            referral_id=referral_id,
            partner_id=CVI_ORG,
            target=ReferralStatus.ACCEPTED,
            reason=StatusReason.ELIGIBLE,
        )
    assert await _count(sessions, outbox) == 1
    assert await _count(sessions, status_history) == 2


async def test_a_stale_version_updates_nothing(sessions: SessionFactory) -> None:
    referral_id = await _submit(sessions)
    async with transaction(sessions) as session:
        first = await store.set_status(
            session,
            referral_id,
            expected_version=1,
            status="accepted",
            updated_at=datetime.now(UTC),
        )
        second = await store.set_status(
            session,
            referral_id,
            expected_version=1,
            status="rejected",
            updated_at=datetime.now(UTC),
        )
    assert (first, second) == (True, False)
    async with sessions() as session:
        stored = await store.get_referral(session, referral_id)
    assert stored is not None and (stored.status, stored.version) == ("accepted", 2)


async def test_concurrent_changes_cannot_both_succeed(sessions: SessionFactory) -> None:
    referral_id = await _submit(sessions)
    outcomes = await asyncio.gather(
        *(
            service.change_status(
                sessions=sessions,
                referral_id=referral_id,
                partner_id=CVI_ORG,
                target=target,
                reason=StatusReason.OTHER,
            )
            for target in (ReferralStatus.ACCEPTED, ReferralStatus.REJECTED) * 3
        ),
        return_exceptions=True,
    )
    succeeded = [o for o in outcomes if isinstance(o, service.ReferralView)]
    refused = [
        o for o in outcomes if isinstance(o, service.ConcurrentChange | service.InvalidTransition)
    ]
    assert len(succeeded) == 1, outcomes
    assert len(refused) == 5, outcomes
    assert await _count(sessions, outbox) == 1
    assert await _count(sessions, status_history) == 2
