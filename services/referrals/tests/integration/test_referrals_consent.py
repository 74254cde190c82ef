"""Consent decides what each party reads: one test per rule, against a real database."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from referrals_builders import (
    CVI_ORG,
    HOSPITAL,
    OTHER_ORG,
    consent_event,
    make_submitted,
)
from referrals_builders import submitted_event as submitted_event_of
from sqlalchemy import select

from cvihub_contracts import from_kafka
from cvihub_contracts.referral.status_changed_v1 import (
    ReferralStatus,
    ReferralStatusChangedV1,
    StatusReason,
)
from cvihub_contracts.referral.submitted_v1 import Consent, Injury, InjuryMechanism
from cvihub_contracts.registry.changes_v1 import EntityStatus
from cvihub_referrals import service
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.lifecycle import TRANSITIONS
from cvihub_referrals.models import outbox, registry_copy
from cvihub_referrals.schemas import ReferralDetail
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

PII = ("#/patient/given_name", "#/patient/family_name", "#/patient/phone")
PHI = ("#/injury/mechanism", "#/injury/description")


@pytest.fixture
async def sessions(make_database: Callable[[str], TestDatabase]) -> AsyncIterator[SessionFactory]:
    db = make_database("referrals")
    engine = create_engine(db.url, db.schema)
    await upgrade(engine, MIGRATIONS_DIR, db.schema, shared=[registry_copy_migrations])
    sessions = session_factory(engine)
    bind_key_ring(sessions, test_key_ring())
    try:
        yield sessions
    finally:
        await engine.dispose()


def _consent(**overrides: Any) -> Consent:
    values: dict[str, Any] = {
        "consented_by": "patient",
        "consented_at": datetime.now(UTC) - timedelta(hours=1),
        "recipient_partner_ids": [CVI_ORG],
        "scope": ["contact", "injury"],
    }
    values.update(overrides)
    return Consent(**values)


async def _submit(sessions: SessionFactory, **consent: Any) -> str:
    data = make_submitted(
        consent=_consent(**consent),
        injury=Injury(mechanism=InjuryMechanism.STABBING, description="stabbed on the bus"),
    )
    async with transaction(sessions) as session:
        await service.record_submission(session=session, event=submitted_event_of(data))
    return str(data.referral_id)


async def _registry(sessions: SessionFactory, *events: Any) -> None:
    async with transaction(sessions) as session:
        for event in events:
            await registry_copy.apply(session, event)


async def _read(sessions: SessionFactory, referral_id: str, partner_id: str) -> ReferralDetail:
    view = await service.get_referral(
        sessions=sessions, referral_id=referral_id, partner_id=partner_id
    )
    return ReferralDetail.of_view(view)


def _hides(detail: ReferralDetail, pointers: tuple[str, ...]) -> bool:
    patient, injury = detail.payload["patient"], detail.payload["injury"]
    present = {f"#/patient/{k}" for k in patient} | {f"#/injury/{k}" for k in injury}
    return not (set(pointers) & present) and set(pointers) <= set(detail.withheld)


async def test_the_referrer_reads_everything_it_sent_whatever_the_consent(
    sessions: SessionFactory,
) -> None:
    referral_id = await _submit(sessions, scope=[], expires_at=datetime.now(UTC))
    detail = await _read(sessions, referral_id, HOSPITAL)
    assert detail.withheld == [] and detail.consent.covers_you
    assert detail.payload["patient"]["given_name"] == "Test"


async def test_the_recipient_reads_only_the_scope_agreed(sessions: SessionFactory) -> None:
    contact_only = await _submit(sessions, scope=["contact"])
    injury_only = await _submit(sessions, scope=["injury"])

    contact = await _read(sessions, contact_only, CVI_ORG)
    assert contact.payload["patient"]["phone"] == "+13125550100"
    assert _hides(contact, PHI) and contact.consent.covers_you
    injury = await _read(sessions, injury_only, CVI_ORG)
    assert injury.payload["injury"]["description"] == "stabbed on the bus"
    assert _hides(injury, PII)
    # Not the person, but what the recipient needs to act on it.
    assert injury.payload["urgency"] == "urgent" and injury.status == "requested"


async def test_a_quoted_record_narrows_the_scope_to_its_own(sessions: SessionFactory) -> None:
    await _registry(sessions, consent_event("c-narrow", scope=["contact"]))
    referral_id = await _submit(sessions, consent_id="c-narrow")
    detail = await _read(sessions, referral_id, CVI_ORG)
    assert detail.payload["patient"]["family_name"] == "Patient"
    assert _hides(detail, PHI)


async def test_a_recipient_the_consent_does_not_name_reads_no_person(
    sessions: SessionFactory,
) -> None:
    referral_id = await _submit(sessions, recipient_partner_ids=[OTHER_ORG])
    detail = await _read(sessions, referral_id, CVI_ORG)
    assert _hides(detail, PII + PHI)
    assert detail.consent.reason == "recipient not covered by consent"
    # The record quoted must name it as well.
    await _registry(sessions, consent_event("c-other", recipients=[OTHER_ORG]))
    quoted = await _submit(sessions, consent_id="c-other")
    assert _hides(await _read(sessions, quoted, CVI_ORG), PII + PHI)


async def test_after_expiry_the_recipient_reads_no_person(sessions: SessionFactory) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    inline = await _submit(sessions, expires_at=past)
    detail = await _read(sessions, inline, CVI_ORG)
    assert _hides(detail, PII + PHI) and detail.consent.reason == "consent expired"
    await _registry(sessions, consent_event("c-expired", expires_at=past))
    recorded = await _submit(sessions, consent_id="c-expired")
    assert (await _read(sessions, recorded, CVI_ORG)).consent.reason == "consent expired"


async def test_an_unknown_record_reads_as_no_consent(sessions: SessionFactory) -> None:
    referral_id = await _submit(sessions, consent_id="c-never-seen")
    detail = await _read(sessions, referral_id, CVI_ORG)
    assert _hides(detail, PII + PHI) and detail.consent.reason == "consent record unknown"


async def test_after_withdrawal_status_and_history_remain_and_no_event_carries_the_person(
    sessions: SessionFactory,
) -> None:
    await _registry(sessions, consent_event("c-1"))
    referral_id = await _submit(sessions, consent_id="c-1")
    before = await _read(sessions, referral_id, CVI_ORG)
    assert before.payload["patient"]["given_name"] == "Test" and before.withheld == []
    await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=CVI_ORG,
        target=ReferralStatus.ACCEPTED,
        reason=StatusReason.ELIGIBLE,
        note="we know the family",
    )

    await _registry(sessions, consent_event("c-1", status=EntityStatus.REVOKED, sequence=2))
    await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=HOSPITAL,
        target=ReferralStatus.CANCELED,
        reason=StatusReason.DECLINED_BY_CLIENT,
        note="patient withdrew: do not call 312 555 0100",
    )

    after = await _read(sessions, referral_id, CVI_ORG)
    assert _hides(after, PII + PHI) and after.consent.reason == "consent withdrawn"
    assert after.status == "canceled"
    assert [h.to_status for h in after.history] == ["requested", "accepted", "canceled"]
    # The recipient keeps its own note; the referrer's note (PHI) is hidden from it.
    assert [h.note for h in after.history] == [None, "we know the family", None]
    referrer = await _read(sessions, referral_id, HOSPITAL)
    assert referrer.history[-1].note == "patient withdrew: do not call 312 555 0100"
    # The cancel event reaches the recipient too: without the note.
    async with sessions() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
    events = [
        from_kafka(
            {k: v.encode() for k, v in r.headers.items()},
            bytes(r.key),
            test_key_ring().open(bytes(r.value)),
        )
        for r in rows
    ]
    cancel = events[-1].data
    assert isinstance(cancel, ReferralStatusChangedV1) and cancel.status == "canceled"
    assert cancel.note is None and "555" not in rows[-1].value.decode()
    assert isinstance(events[0].data, ReferralStatusChangedV1)
    assert events[0].data.note == "we know the family"


@pytest.mark.parametrize("move", sorted(TRANSITIONS), ids=lambda m: f"{m[0]}->{m[1]}")
async def test_no_move_widens_who_reads_the_person(
    sessions: SessionFactory, move: tuple[ReferralStatus, ReferralStatus]
) -> None:
    referral_id = await _submit(sessions, scope=["contact"])
    path = {
        ReferralStatus.REQUESTED: [],
        ReferralStatus.ACCEPTED: [ReferralStatus.ACCEPTED],
        ReferralStatus.IN_PROGRESS: [ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS],
        ReferralStatus.ON_HOLD: [ReferralStatus.ACCEPTED, ReferralStatus.ON_HOLD],
    }[move[0]] + [move[1]]

    async def readers() -> dict[str, frozenset[str]]:
        found: dict[str, frozenset[str]] = {}
        for partner in (HOSPITAL, CVI_ORG, OTHER_ORG):
            try:
                detail = await _read(sessions, referral_id, partner)
            except service.ReferralNotFound:
                continue
            found[partner] = frozenset(detail.payload["patient"])
        return found

    before = await readers()
    for target in path:
        mover = HOSPITAL if target is ReferralStatus.ENTERED_IN_ERROR else CVI_ORG
        await service.change_status(
            sessions=sessions,
            referral_id=referral_id,
            partner_id=mover,
            target=target,
            reason=StatusReason.OTHER,
        )
        assert await readers() == before
    assert set(before) == {HOSPITAL, CVI_ORG}
