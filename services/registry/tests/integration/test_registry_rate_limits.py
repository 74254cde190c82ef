"""A partner's request limit at intake is the hub administrator's to set in the registry, and
travels to every registry copy on partner.changed (revision 3); the partner cannot set it."""

from typing import Any

import pytest
from registry_builders import admin, bearer, partner_body, registry

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import PartnerChangedV1, PartnerRateLimit
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration


async def _change_with(kafka: str, partner_id: str, marker: bytes) -> PartnerChangedV1:
    records = await consume_until(
        kafka,
        topics.REGISTRY,
        lambda r: (
            dict(r.headers).get("ce_subject") == f"partners/{partner_id}".encode()
            and marker in r.value.replace(b" ", b"")
        ),
    )
    assert dict(records[-1].headers)["ce_dataschema"] == PartnerChangedV1.dataschema().encode()
    event = from_kafka(dict(records[-1].headers), records[-1].key, records[-1].value)
    assert isinstance(event.data, PartnerChangedV1)
    return event.data


async def test_the_admin_sets_a_partners_rate_limit_and_it_is_published(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        created = await client.post(
            "/v1/admin/partners", json=partner_body(partner_id="busy-ehr"), headers=admin()
        )
        assert created.status_code == 201, created.text
        assert created.json()["rate_limit"] is None

        limit = {"per_minute": 30, "burst": 7}
        changed = await client.patch(
            "/v1/admin/partners/busy-ehr", json={"rate_limit": limit}, headers=admin()
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["rate_limit"] == limit
        event = await _change_with(kafka_bootstrap, "busy-ehr", b'"burst":7')
        assert event.rate_limit == PartnerRateLimit(per_minute=30, burst=7)
        read = await client.get("/v1/admin/partners/busy-ehr", headers=admin())
        assert read.json()["rate_limit"] == limit

        refused = await client.patch(
            "/v1/admin/partners/busy-ehr",
            json={"rate_limit": {"per_minute": 0, "burst": 7}},
            headers=admin(),
        )
        assert refused.status_code == 422

        issued = await client.post("/v1/admin/partners/busy-ehr/keys", headers=admin())
        key = str(issued.json()["api_key"])
        own = await client.patch(
            "/v1/partners/me",
            json={"rate_limit": {"per_minute": 1_000_000, "burst": 9}},
            headers=bearer(key),
        )
        assert own.status_code == 422, own.text

        cleared = await client.patch(
            "/v1/admin/partners/busy-ehr", json={"rate_limit": None}, headers=admin()
        )
        assert cleared.json()["rate_limit"] is None
