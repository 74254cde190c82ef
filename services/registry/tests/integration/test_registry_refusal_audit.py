"""Refusals other services publish on the audit topic join the registry's chain, once each."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from registry_builders import admin, registry

from cvihub_contracts import KafkaRecord, topics
from cvihub_registry_copy.refusals import Refusal, refusal_record
from cvihub_testkit import consume_until, eventually, produce

pytestmark = pytest.mark.integration


def _refusal(**overrides: Any) -> Refusal:
    values: dict[str, Any] = {
        "action": "GET /v1/referrals/{referral_id}",
        "reason": "not a party to this referral",
        "decided_at": datetime.now(UTC),
        "partner_id": "peace-collective",
        "credential_id": "ab12cd34ef56",
        "resource": "6f1f2c1e-8d3b-4c55-9a57-0c1d3e0f4a11",
        "status_code": 404,
    }
    values.update(overrides)
    return Refusal(**values)


async def _refusals(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/admin/audit", params={"action": "access.refused", "limit": 1000}, headers=admin()
    )
    assert response.status_code == 200
    entries: list[dict[str, Any]] = response.json()
    return [e for e in entries if e["actor"].startswith("service:")]


async def test_service_refusals_are_chained_exactly_once(
    kafka_bootstrap: str, make_database: Any
) -> None:
    by_referrals = refusal_record(service="referrals", refusal=_refusal())
    anonymous = refusal_record(
        service="intake",
        refusal=_refusal(
            partner_id=None,
            credential_id=None,
            resource=None,
            reason="missing key",
            status_code=401,
            action="POST /v1/referrals",
            count=17,
            first_decided_at=datetime(2026, 11, 1, tzinfo=UTC),
        ),
    )
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        # The same event three times (a redelivery, a replayed partition): chained once.
        await produce(kafka_bootstrap, by_referrals, anonymous, by_referrals, by_referrals)

        async def both_chained() -> bool:
            return len(await _refusals(client)) >= 2

        await eventually(both_chained, timeout=20)
        await asyncio.sleep(1.0)  # time for a duplicate to land, were it not skipped
        refusals = await _refusals(client)
        verdict = (await client.get("/v1/admin/audit/verify", headers=admin())).json()
        others = (
            await client.get(
                "/v1/admin/audit", params={"action": "partner.created"}, headers=admin()
            )
        ).json()

    assert len(refusals) == 2
    by_actor = {entry["actor"]: entry for entry in refusals}
    referrals_entry = by_actor["service:referrals"]
    assert referrals_entry["action"] == "access.refused"
    assert referrals_entry["entity_id"] == "peace-collective"
    assert referrals_entry["detail"]["reason"] == "not a party to this referral"
    assert referrals_entry["detail"]["credential_id"] == "ab12cd34ef56"
    assert referrals_entry["detail"]["status_code"] == 404
    assert referrals_entry["detail"]["event_id"] == by_referrals.headers["ce_id"].decode()
    intake_entry = by_actor["service:intake"]
    assert intake_entry["entity_id"] is None
    assert intake_entry["detail"]["count"] == 17
    assert intake_entry["detail"]["first_decided_at"].startswith("2026-11-01")
    assert verdict["ok"] is True
    assert verdict["checked"] >= 2
    assert others == []  # the filter keeps other actions out


async def test_a_malformed_audit_record_is_dead_lettered_and_not_chained(
    kafka_bootstrap: str, make_database: Any
) -> None:
    good = refusal_record(service="notifications", refusal=_refusal(status_code=None))
    bad = KafkaRecord(
        topic=topics.AUDIT,
        key=good.key,
        headers=good.headers,
        value=good.value.replace(b'"reason"', b'"raison"'),
    )
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await produce(kafka_bootstrap, bad, good)

        async def good_chained() -> bool:
            return len(await _refusals(client)) >= 1

        await eventually(good_chained, timeout=20)
        [dead] = await consume_until(
            kafka_bootstrap,
            topics.DEAD_LETTERS,
            lambda r: dict(r.headers).get("x-dead-letter-consumer") == b"registry-audit",
        )
        refusals = await _refusals(client)

    assert len(refusals) == 1
    assert refusals[0]["actor"] == "service:notifications"
    assert dict(dead.headers)["x-original-topic"] == topics.AUDIT.encode()
