"""Aggregates computed from stored referrals: counts per organisation, times, suppression."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from referrals_builders import CVI_ORG, OTHER_ORG, make_submitted, submitted_event

from cvihub_contracts.referral.status_changed_v1 import ReferralStatus, StatusReason
from cvihub_referrals import aggregates, service
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.service_levels import DEFAULT_SERVICE_LEVELS
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

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(make_database: Callable[[str], TestDatabase]) -> AsyncIterator[SessionFactory]:
    db = make_database("referrals")
    engine = create_engine(db.url, db.schema)
    await upgrade(engine, MIGRATIONS_DIR, db.schema)
    sessions = session_factory(engine)
    bind_key_ring(sessions, test_key_ring())
    try:
        yield sessions
    finally:
        await engine.dispose()


async def test_the_network_view_counts_per_organisation_and_hides_small_cells(
    sessions: SessionFactory,
) -> None:
    for n in range(15):
        recipient = CVI_ORG if n < 12 else OTHER_ORG
        data = make_submitted(recipient_partner_id=recipient, submitted_at=T0 + timedelta(hours=n))
        async with transaction(sessions) as session:
            await service.record_submission(session=session, event=submitted_event(data))
        if recipient == CVI_ORG:
            await service.change_status(
                sessions=sessions,
                referral_id=str(data.referral_id),
                partner_id=CVI_ORG,
                target=ReferralStatus.ACCEPTED,
                reason=StatusReason.ELIGIBLE,
                now=data.submitted_at + timedelta(minutes=20),
            )

    found = await aggregates.compute(
        sessions=sessions,
        levels=DEFAULT_SERVICE_LEVELS,
        since=T0,
        until=T0 + timedelta(days=1),
        now=T0 + timedelta(days=3),
    )

    assert found.by_organisation[CVI_ORG]["accepted"] == 12
    assert found.by_organisation[CVI_ORG]["total"] == 12
    assert found.by_organisation[CVI_ORG]["overdue"] == 12  # no first contact within 24 h
    assert found.by_organisation[OTHER_ORG]["requested"] is None  # 3: suppressed
    assert found.by_organisation[OTHER_ORG]["total"] is None
    assert found.time_to_acceptance.median_seconds == 1200
    assert found.time_to_acceptance.distribution["under-30m"] == 12
    assert found.time_to_first_contact.count == 0
    # A window that holds none of them is empty, not an error.
    none = await aggregates.compute(
        sessions=sessions,
        levels=DEFAULT_SERVICE_LEVELS,
        since=T0 - timedelta(days=2),
        until=T0,
        now=T0,
    )
    assert none.by_organisation == {}
