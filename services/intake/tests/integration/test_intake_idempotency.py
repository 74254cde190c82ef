"""An Idempotency-Key makes a retried POST safe: one event, the first answer again."""

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from intake_builders import RECIPIENT, bulletin_body, make_partner, referral_body
from intake_harness import IntakeHarness

from cvihub_contracts import Stream, topics
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_intake import store
from cvihub_testkit import eventually

pytestmark = pytest.mark.integration


async def test_a_retried_referral_makes_one_event_and_gets_the_first_answer(
    intake: IntakeHarness,
) -> None:
    hospital = make_partner("idem-hospital", publishes=(Stream.REFERRALS,))
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(hospital, recipient, recipients=(RECIPIENT,))
    body = referral_body()
    headers = {**hospital.auth, "Idempotency-Key": "visit-4711"}
    before = await intake.outbox_count()

    first = await intake.client.post("/v1/referrals", json=body, headers=headers)
    retry = await intake.client.post("/v1/referrals", json=body, headers=headers)

    assert first.status_code == 202, first.text
    assert retry.status_code == 202, retry.text
    assert retry.json() == first.json()
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await intake.outbox_count() == before + 1
    await eventually(intake.all_published, timeout=10)
    referral_key = first.json()["referral_id"].encode()
    records = [
        r for r in await intake.records_on(topics.REFERRALS, seconds=1.5) if r.key == referral_key
    ]
    assert len(records) == 1

    other_body = referral_body(reason="Another reason.")
    reused = await intake.client.post("/v1/referrals", json=other_body, headers=headers)
    assert reused.status_code == 422, reused.text
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["type"].endswith("/idempotency-key-reused")
    assert await intake.outbox_count() == before + 1


async def test_keys_are_per_partner_and_per_kind(intake: IntakeHarness) -> None:
    a = make_partner("idem-a", publishes=(Stream.BULLETINS, Stream.REFERRALS))
    b = make_partner("idem-b", publishes=(Stream.BULLETINS,))
    await intake.announce(a, b)
    body = bulletin_body()

    from_a = await intake.client.post(
        "/v1/bulletins", json=body, headers={**a.auth, "Idempotency-Key": "k-1"}
    )
    from_b = await intake.client.post(
        "/v1/bulletins", json=body, headers={**b.auth, "Idempotency-Key": "k-1"}
    )
    assert from_a.status_code == from_b.status_code == 202
    assert from_a.json()["event_id"] != from_b.json()["event_id"]
    # The same key on another route is another request: refused, not replayed.
    elsewhere = await intake.client.post(
        "/v1/referrals", json=referral_body(), headers={**a.auth, "Idempotency-Key": "k-1"}
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["type"].endswith("/idempotency-key-reused")


async def test_concurrent_duplicates_make_one_event(intake: IntakeHarness) -> None:
    partner = make_partner("idem-racer", publishes=(Stream.BULLETINS,))
    await intake.announce(partner)
    body = bulletin_body(title="Vigil")
    headers = {**partner.auth, "Idempotency-Key": "race-1"}
    before = await intake.outbox_count()

    answers = await asyncio.gather(
        *(intake.client.post("/v1/bulletins", json=body, headers=headers) for _ in range(6))
    )

    assert [a.status_code for a in answers] == [202] * 6, [a.text for a in answers]
    assert len({a.json()["event_id"] for a in answers}) == 1
    assert await intake.outbox_count() == before + 1


async def test_a_key_is_forgotten_after_its_time(intake: IntakeHarness) -> None:
    partner = make_partner("idem-late", publishes=(Stream.BULLETINS,))
    await intake.announce(partner)
    headers = {**partner.auth, "Idempotency-Key": "old-key"}
    first = await intake.client.post("/v1/bulletins", json=bulletin_body(), headers=headers)
    assert first.status_code == 202
    sessions = intake.app.state.hosting.sessions
    key_hash = hashlib.sha256(b"old-key").hexdigest()
    now = datetime.now(UTC)

    async with sessions() as session:
        kept = await store.find_answer(
            session, partner_id="idem-late", key_hash=key_hash, now=now + timedelta(hours=23)
        )
        gone = await store.find_answer(
            session, partner_id="idem-late", key_hash=key_hash, now=now + timedelta(hours=25)
        )
    assert kept is not None and kept.response == first.json()
    assert gone is None
    async with sessions() as session, session.begin():
        assert await store.purge_expired_keys(session, now=now + timedelta(hours=25)) >= 1
