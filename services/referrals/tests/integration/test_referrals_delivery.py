"""Referral records that arrive twice, break the contracts, or fail mid-way."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from referrals_builders import CVI_ORG, auth, make_submitted, submitted_event
from referrals_harness import caught_up, referrals_hub
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, to_kafka, topics
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_referrals import service
from cvihub_testkit import TestDatabase, consume_until, eventually, produce

pytestmark = pytest.mark.integration


async def _received(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/v1/referrals?role=received", headers=auth(CVI_ORG))
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


async def test_garbage_is_dead_lettered_and_a_duplicate_is_stored_once(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with referrals_hub(kafka_bootstrap, make_database) as client:
        valid = to_kafka(submitted_event())
        garbage = to_kafka(submitted_event(make_submitted(referral_id=valid.key.decode())))
        garbage = type(garbage)(
            topic=garbage.topic, key=garbage.key, headers=garbage.headers, value=b"\x00not json"
        )
        # Garbage first: the consumer must go past it to reach the valid record.
        await produce(kafka_bootstrap, garbage, valid, valid)

        await eventually(lambda: caught_up(kafka_bootstrap, "referrals", topics.REFERRALS))
        dead = await consume_until(
            kafka_bootstrap,
            topics.DEAD_LETTERS,
            lambda r: dict(r.headers).get("x-dead-letter-consumer") == b"referrals",
        )
        headers = dict(dead[0].headers)
        assert headers["x-dead-letter-reason"]
        assert headers["x-original-topic"] == topics.REFERRALS.encode()
        assert dead[0].value == b"\x00not json"

        received = await _received(client)
        assert [r["referral_id"] for r in received] == [valid.key.decode()]
        detail = await client.get(
            f"/v1/referrals/{received[0]['referral_id']}", headers=auth(CVI_ORG)
        )
        assert len(detail.json()["history"]) == 1


async def test_a_handler_failing_mid_way_is_redelivered_and_stores_one_referral(
    kafka_bootstrap: str,
    make_database: Callable[[str], TestDatabase],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = service.record_submission
    calls: list[str] = []

    async def fails_once_after_writing(
        *, session: AsyncSession, event: Event[ReferralSubmittedV1], skew: timedelta
    ) -> None:
        await real(session=session, event=event, skew=skew)
        await session.flush()
        calls.append(event.envelope.id)
        if len(calls) == 1:
            raise RuntimeError("injected failure after the referral was written")

    monkeypatch.setattr(service, "record_submission", fails_once_after_writing)
    async with referrals_hub(kafka_bootstrap, make_database) as client:
        submitted = submitted_event()
        await produce(kafka_bootstrap, to_kafka(submitted))

        received = await eventually(lambda: _received(client))
        assert [r["referral_id"] for r in received] == [str(submitted.data.referral_id)]
        assert calls == [submitted.envelope.id, submitted.envelope.id]
        detail = await client.get(
            f"/v1/referrals/{received[0]['referral_id']}", headers=auth(CVI_ORG)
        )
        assert [h["event_id"] for h in detail.json()["history"]] == [submitted.envelope.id]
