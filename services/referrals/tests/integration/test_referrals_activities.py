"""Contact attempts, services delivered and case notes, against a real database."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from referrals_builders import CVI_ORG, HOSPITAL, submitted_event
from sqlalchemy import select

from cvihub_contracts import from_kafka
from cvihub_contracts.codes import CviService
from cvihub_contracts.referral.status_changed_v1 import (
    ActivityKind,
    ContactMethod,
    ContactOutcome,
    ReferralStatus,
    ReferralStatusChangedV1,
    StatusReason,
)
from cvihub_referrals import activities, service
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.models import outbox
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


async def _referral(sessions: SessionFactory) -> str:
    event = submitted_event()
    async with transaction(sessions) as session:
        await service.record_submission(session=session, event=event)
    return str(event.data.referral_id)


async def _events(sessions: SessionFactory) -> list[ReferralStatusChangedV1]:
    async with sessions() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
    found = []
    for row in rows:
        data = from_kafka(
            {k: v.encode() for k, v in row.headers.items()},
            bytes(row.key),
            test_key_ring().open(bytes(row.value)),
        ).data
        assert isinstance(data, ReferralStatusChangedV1)
        found.append(data)
    return found


def _attempt(minutes: int, outcome: ContactOutcome) -> activities.Attempt:
    return activities.Attempt(T0 + timedelta(minutes=minutes), ContactMethod.PHONE, outcome)


async def test_attempts_and_services_reach_the_referrer_as_status_events_without_notes(
    sessions: SessionFactory,
) -> None:
    referral_id = await _referral(sessions)

    async def record(
        entry: activities.Attempt | activities.ServiceDelivered | None, note: str | None
    ) -> service.ReferralView:
        return await activities.record_activity(
            sessions=sessions,
            referral_id=referral_id,
            partner_id=CVI_ORG,
            entry=entry,
            note=note,
            now=T0 + timedelta(hours=2),
        )

    with pytest.raises(activities.NotRecordable):  # not accepted yet
        await record(_attempt(5, ContactOutcome.NO_ANSWER), None)
    await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=CVI_ORG,
        target=ReferralStatus.ACCEPTED,
        reason=StatusReason.ELIGIBLE,
        now=T0,
    )
    await record(_attempt(10, ContactOutcome.NO_ANSWER), "voicemail full")
    reached = await record(_attempt(40, ContactOutcome.REACHED), "spoke with his sister")
    assert reached.referral.first_contact_at == T0 + timedelta(minutes=40)
    assert reached.referral.accepted_at == T0
    await record(activities.ServiceDelivered(CviService.MENTORING, date(2024, 5, 1)), "good")
    await record(None, "a case note only we read")

    events = await _events(sessions)
    assert [e.activity.kind if e.activity else None for e in events] == [
        None,
        ActivityKind.CONTACT_ATTEMPT,
        ActivityKind.CONTACT_ATTEMPT,
        ActivityKind.SERVICE_DELIVERED,
    ]
    shared = [e for e in events if e.activity is not None]
    assert all(e.note is None and e.status == e.previous_status == "accepted" for e in shared)
    assert shared[1].activity is not None and shared[1].activity.outcome is ContactOutcome.REACHED
    assert shared[2].activity is not None and shared[2].activity.service_type == "mentoring"
    for event in shared:
        assert (
            "sister" not in event.model_dump_json() and "voicemail" not in event.model_dump_json()
        )

    mine = await service.get_referral(
        sessions=sessions, referral_id=referral_id, partner_id=CVI_ORG
    )
    theirs = await service.get_referral(
        sessions=sessions, referral_id=referral_id, partner_id=HOSPITAL
    )
    assert [a.kind for a in mine.activities] == [
        "contact-attempt",
        "contact-attempt",
        "service-delivered",
        "note",
    ]
    assert [a.note for a in mine.activities][-1] == "a case note only we read"
    assert [a.kind for a in theirs.activities] == [
        "contact-attempt",
        "contact-attempt",
        "service-delivered",
    ]
    assert {a.note for a in theirs.activities} == {None}


async def test_only_the_recipient_records_and_never_in_the_future(
    sessions: SessionFactory,
) -> None:
    referral_id = await _referral(sessions)
    await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=CVI_ORG,
        target=ReferralStatus.ACCEPTED,
        reason=StatusReason.ELIGIBLE,
    )
    now = datetime.now(UTC)
    with pytest.raises(activities.NotTheRecipient):
        await activities.record_activity(
            sessions=sessions, referral_id=referral_id, partner_id=HOSPITAL, entry=None, note="x"
        )
    late = activities.Attempt(now + timedelta(minutes=6), ContactMethod.SMS, ContactOutcome.REACHED)
    with pytest.raises(activities.InTheFuture) as refused:
        await activities.record_activity(
            sessions=sessions, referral_id=referral_id, partner_id=CVI_ORG, entry=late, note=None
        )
    assert refused.value.field == "occurred_at"
    tomorrow = activities.ServiceDelivered(CviService.HOUSING, (now + timedelta(days=2)).date())
    with pytest.raises(activities.InTheFuture) as refused:
        await activities.record_activity(
            sessions=sessions,
            referral_id=referral_id,
            partner_id=CVI_ORG,
            entry=tomorrow,
            note=None,
        )
    assert refused.value.field == "service_date"
    # Within the skew: accepted (clocks disagree by a minute or two).
    soon = activities.Attempt(now + timedelta(minutes=2), ContactMethod.SMS, ContactOutcome.REACHED)
    view = await activities.record_activity(
        sessions=sessions, referral_id=referral_id, partner_id=CVI_ORG, entry=soon, note=None
    )
    assert view.referral.first_contact_at == soon.occurred_at
    assert len(await _events(sessions)) == 2  # the acceptance and the one attempt recorded
