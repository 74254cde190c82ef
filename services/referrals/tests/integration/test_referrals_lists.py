"""The recipient's inbox and the referrer's sent list: filters, deadlines, response times."""

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

from cvihub_contracts.referral.status_changed_v1 import (
    ContactMethod,
    ContactOutcome,
    ReferralStatus,
    StatusReason,
)
from cvihub_contracts.referral.submitted_v1 import Urgency
from cvihub_referrals import activities, lists, service
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.schemas import SentItem
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

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)  # a Wednesday


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


async def _submit(sessions: SessionFactory, urgency: Urgency, minutes: int = 0) -> str:
    data = make_submitted(urgency=urgency, submitted_at=T0 + timedelta(minutes=minutes))
    async with transaction(sessions) as session:
        await service.record_submission(session=session, event=submitted_event(data))
    return str(data.referral_id)


async def _ids(
    sessions: SessionFactory, partner: str, *, sent: bool, **filters: object
) -> list[str]:
    found = await lists.listing(
        sessions=sessions,
        partner_id=partner,
        sent=sent,
        levels=DEFAULT_SERVICE_LEVELS,
        now=filters.pop("now", T0 + timedelta(minutes=45)),  # type: ignore[arg-type]
        **filters,  # type: ignore[arg-type]
    )
    return [item.referral.referral_id for item in found]


async def test_the_inbox_filters_by_status_urgency_and_overdue(sessions: SessionFactory) -> None:
    emergent = await _submit(sessions, Urgency.EMERGENT)
    urgent = await _submit(sessions, Urgency.URGENT, minutes=1)
    routine = await _submit(sessions, Urgency.ROUTINE, minutes=2)
    await service.change_status(
        sessions=sessions,
        referral_id=routine,
        partner_id=CVI_ORG,
        target=ReferralStatus.ACCEPTED,
        reason=StatusReason.ELIGIBLE,
        now=T0 + timedelta(minutes=3),
    )

    assert await _ids(sessions, CVI_ORG, sent=False) == [routine, urgent, emergent]
    # 45 minutes in: the emergent one waited past its 30 minutes, the urgent one has 4 hours.
    assert await _ids(sessions, CVI_ORG, sent=False, overdue=True) == [emergent]
    assert await _ids(sessions, CVI_ORG, sent=False, overdue=False) == [routine, urgent]
    assert await _ids(sessions, CVI_ORG, sent=False, urgency="urgent") == [urgent]
    assert await _ids(sessions, CVI_ORG, sent=False, status="accepted") == [routine]
    # No first contact 25 hours after acceptance: the routine one is overdue too.
    late = T0 + timedelta(hours=25)
    assert await _ids(sessions, CVI_ORG, sent=False, overdue=True, now=late) == [
        routine,
        urgent,
        emergent,
    ]
    # Nobody else's desk shows them.
    assert await _ids(sessions, OTHER_ORG, sent=False) == []
    assert await _ids(sessions, OTHER_ORG, sent=True) == []
    assert await _ids(sessions, HOSPITAL, sent=False) == []
    assert await _ids(sessions, HOSPITAL, sent=True, overdue=True) == [emergent]


async def test_the_sent_list_shows_time_to_acceptance_and_first_contact(
    sessions: SessionFactory,
) -> None:
    referral_id = await _submit(sessions, Urgency.URGENT)
    await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=CVI_ORG,
        target=ReferralStatus.ACCEPTED,
        reason=StatusReason.ELIGIBLE,
        now=T0 + timedelta(minutes=10),
    )
    for minutes, outcome in [(20, ContactOutcome.NO_ANSWER), (40, ContactOutcome.REACHED)]:
        await activities.record_activity(
            sessions=sessions,
            referral_id=referral_id,
            partner_id=CVI_ORG,
            entry=activities.Attempt(T0 + timedelta(minutes=minutes), ContactMethod.SMS, outcome),
            note=None,
            now=T0 + timedelta(minutes=minutes),
        )
    [listed] = await lists.listing(
        sessions=sessions,
        partner_id=HOSPITAL,
        sent=True,
        levels=DEFAULT_SERVICE_LEVELS,
        now=T0 + timedelta(hours=1),
    )
    item = SentItem.of_listed(listed)
    assert item.time_to_acceptance_seconds == 600
    assert item.time_to_first_contact_seconds == 1800  # reached, not the unanswered try
    assert (item.overdue, item.deadline, item.due_at) == (False, None, None)
