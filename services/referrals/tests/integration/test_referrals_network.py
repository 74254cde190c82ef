"""Referrals addressed to the network: offered to every matching organisation of the directory,
owned by the first to accept, withdrawn from the others; offers carry only the minimum."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from referrals_builders import HOSPITAL, make_submitted, submitted_event
from sqlalchemy import select

from cvihub_contracts import from_kafka, new_event, service_source
from cvihub_contracts.codes import CviService
from cvihub_contracts.referral.network_v1 import NETWORK_RECIPIENT, NetworkCriteria, OfferState
from cvihub_contracts.referral.status_changed_v1 import (
    ReferralStatus,
    ReferralStatusChangedV1,
    StatusReason,
)
from cvihub_contracts.referral.submitted_v1 import Consent, Urgency
from cvihub_contracts.registry.changes_v1 import EntityStatus, PartnerChangedV1, PartnerKind
from cvihub_contracts.registry.directory_v1 import DirectoryChangedV1
from cvihub_referrals import lists, routing, service
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.models import outbox, registry_copy
from cvihub_referrals.schemas import ReferralDetail
from cvihub_referrals.service_levels import DEFAULT_SERVICE_LEVELS
from cvihub_referrals.timers import TimerWorker
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

WEST, WEST_TOO = "west-side-cvi", "west-youth-cvi"
HOUSING_ONLY, EAST, SUSPENDED = "housing-cvi", "east-side-cvi", "closed-cvi"


@pytest.fixture
async def sessions(make_database: Callable[[str], TestDatabase]) -> AsyncIterator[SessionFactory]:
    db = make_database("referrals")
    engine = create_engine(db.url, db.schema)
    await upgrade(engine, MIGRATIONS_DIR, db.schema, shared=[registry_copy_migrations])
    sessions = session_factory(engine)
    bind_key_ring(sessions, test_key_ring())
    directory = [
        (WEST, ["mentoring"], ["west"], ["en"], EntityStatus.ACTIVE),
        (WEST_TOO, ["mentoring", "housing"], ["west"], ["es", "en-US"], EntityStatus.ACTIVE),
        (HOUSING_ONLY, ["housing"], ["west"], ["en"], EntityStatus.ACTIVE),
        (EAST, ["mentoring"], ["east"], ["en"], EntityStatus.ACTIVE),
        (SUSPENDED, ["mentoring"], ["west"], ["en"], EntityStatus.SUSPENDED),
    ]
    async with transaction(sessions) as session:
        for partner_id, services, zones, languages, status in directory:
            partner = PartnerChangedV1(
                sequence=1,
                changed_at=datetime.now(UTC),
                status=status,
                partner_id=partner_id,
                name=partner_id,
                kind=PartnerKind.CVI_ORG,
                zones=zones,
            )
            offers = DirectoryChangedV1(
                sequence=2,
                changed_at=datetime.now(UTC),
                status=EntityStatus.ACTIVE,
                partner_id=partner_id,
                services=services,
                languages=languages,
            )
            for change in (partner, offers):
                event = new_event(change, source=service_source("registry"))
                await registry_copy.apply(session, event)
    try:
        yield sessions
    finally:
        await engine.dispose()


async def _network_referral(sessions: SessionFactory, minutes_ago: int = 0) -> str:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    data = make_submitted(
        recipient_partner_id=NETWORK_RECIPIENT,
        submitted_at=at,
        urgency=Urgency.EMERGENT,
        requested_services=["mentoring"],
        consent=Consent(
            consented_by="patient",
            consented_at=at,
            recipient_partner_ids=[NETWORK_RECIPIENT],
            scope=["contact"],
        ),
        network=NetworkCriteria(services=[CviService.MENTORING], zone="west", language="en"),
    )
    async with transaction(sessions) as session:
        await service.record_submission(session=session, event=submitted_event(data))
    return str(data.referral_id)


async def _offer_events(sessions: SessionFactory) -> list[ReferralStatusChangedV1]:
    async with sessions() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
    found = []
    for row in rows:
        assert b"+13125550100" not in test_key_ring().open(
            bytes(row.value)
        ) and b"Patient" not in test_key_ring().open(bytes(row.value))
        data = from_kafka(
            {k: v.encode() for k, v in row.headers.items()},
            bytes(row.key),
            test_key_ring().open(bytes(row.value)),
        ).data
        if isinstance(data, ReferralStatusChangedV1) and data.offer is not None:
            found.append(data)
    return found


async def _read(sessions: SessionFactory, referral_id: str, partner_id: str) -> ReferralDetail:
    view = await service.get_referral(
        sessions=sessions, referral_id=referral_id, partner_id=partner_id
    )
    return ReferralDetail.of_view(view)


async def test_offered_to_every_match_first_to_accept_owns_it_the_others_see_it_withdrawn(
    sessions: SessionFactory,
) -> None:
    referral_id = await _network_referral(sessions)

    offered = await _offer_events(sessions)
    assert sorted(e.recipient_partner_id for e in offered) == [WEST, WEST_TOO]
    assert {(e.offer.state, e.offer.zone) for e in offered if e.offer} == {
        (OfferState.OFFERED, "west")
    }
    # An offer reads only what is needed to decide: no person, no contact details.
    offer = await _read(sessions, referral_id, WEST_TOO)
    assert set(offer.payload) == {
        "referral_id",
        "urgency",
        "requested_services",
        "network",
        "submitted_at",
    }
    assert {"#/patient", "#/referring_contact", "#/injury"} <= set(offer.withheld)
    [item] = await lists.listing(
        sessions=sessions, partner_id=WEST, sent=False, levels=DEFAULT_SERVICE_LEVELS
    )
    assert (item.referral.referral_id, item.relation) == (referral_id, "offered")
    for outsider in (HOUSING_ONLY, EAST, SUSPENDED):
        with pytest.raises(service.ReferralNotFound):
            await _read(sessions, referral_id, outsider)

    won = await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=WEST_TOO,
        target=ReferralStatus.ACCEPTED,
        reason=StatusReason.ELIGIBLE,
    )
    assert (won.referral.recipient_partner_id, won.referral.status) == (WEST_TOO, "accepted")
    # The owner now reads what the consent (to the network, scope contact) allows.
    owned = ReferralDetail.of_view(won)
    assert owned.payload["patient"]["phone"] == "+13125550100"
    assert "#/injury/mechanism" in owned.withheld
    withdrawn = [
        e for e in await _offer_events(sessions) if e.offer and e.offer.state == "withdrawn"
    ]
    assert [e.recipient_partner_id for e in withdrawn] == [WEST]
    with pytest.raises(service.ReferralNotFound):
        await _read(sessions, referral_id, WEST)
    with pytest.raises(service.ReferralNotFound):
        await service.change_status(
            sessions=sessions,
            referral_id=referral_id,
            partner_id=WEST,
            target=ReferralStatus.ACCEPTED,
            reason=StatusReason.ELIGIBLE,
        )
    assert (
        await lists.listing(
            sessions=sessions, partner_id=WEST, sent=False, levels=DEFAULT_SERVICE_LEVELS
        )
        == []
    )
    sent = await lists.listing(
        sessions=sessions, partner_id=HOSPITAL, sent=True, levels=DEFAULT_SERVICE_LEVELS
    )
    assert [(s.referral.referral_id, s.referral.recipient_partner_id) for s in sent] == [
        (referral_id, WEST_TOO)
    ]


async def test_a_decline_closes_one_offer_and_an_unanswered_referral_is_offered_again(
    sessions: SessionFactory,
) -> None:
    referral_id = await _network_referral(sessions, minutes_ago=90)
    declined = await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=WEST,
        target=ReferralStatus.REJECTED,
        reason=StatusReason.NO_CAPACITY,
    )
    assert declined.referral.status == "requested"
    async with sessions() as session:
        assert await routing.holders(session, referral_id) == [WEST_TOO]

    # Nobody accepted within the emergent 30 minutes, nor in the 30 after the reminder.
    worker = TimerWorker(
        sessions=sessions,
        levels=DEFAULT_SERVICE_LEVELS,
        worker_id="w",
        escalate=routing.reoffer,
    )
    await worker.plan_once()
    assert await worker.fire_once() == 2  # the reminder, then the escalation: a re-offer
    events = await _offer_events(sessions)
    rounds = [(e.recipient_partner_id, e.offer.state, e.offer.round) for e in events if e.offer]
    assert rounds == [
        (WEST, "offered", 1),
        (WEST_TOO, "offered", 1),
        (WEST_TOO, "withdrawn", 1),
        (WEST_TOO, "offered", 2),  # not to WEST, which declined
    ]
