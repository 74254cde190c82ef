"""Grant terms over the admin API: create, validate, change; events and partners see them."""

from typing import Any

import pytest
from registry_builders import admin, bearer, once_each, partner_body, registry

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import GrantChangedV1
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration

TERMS = {
    "partner_id": "safe-streets",
    "stream": "incident-alerts",
    "action": "subscribe",
    "zones": ["north", "east"],
    "field_view": ["public", "internal"],
    "purpose": "Street outreach after shootings",
    "agreement_ref": "DSA-2030-07",
    "starts_at": "2030-01-01T00:00:00Z",
    "expires_at": "2031-01-01T00:00:00Z",
}


def _grant_events(record: Any) -> bool:
    return dict(record.headers).get("ce_type") == GrantChangedV1.event_type.encode()


async def test_grant_terms_are_stored_changed_published_and_shown_to_the_partner(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        body = partner_body(partner_id="safe-streets", kind="cvi_org")
        assert (await client.post("/v1/admin/partners", json=body, headers=admin())).is_success
        key = (await client.post("/v1/admin/partners/safe-streets/keys", headers=admin())).json()

        created = await client.post("/v1/admin/grants", json=TERMS, headers=admin())
        assert created.status_code == 201, created.text
        grant = created.json()
        assert (grant["zones"], grant["field_view"], grant["addressed_only"]) == (
            ["north", "east"],
            ["public", "internal"],
            True,
        )
        assert grant["expires_at"].startswith("2031-01-01")

        changed = await client.patch(
            f"/v1/admin/grants/{grant['grant_id']}",
            json={"zones": ["north"], "field_view": None},
            headers=admin(),
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["zones"] == ["north"]
        assert changed.json()["field_view"] is None
        assert changed.json()["agreement_ref"] == "DSA-2030-07"  # untouched terms stay
        assert changed.json()["sequence"] > grant["sequence"]

        mine = (await client.get("/v1/partners/me/grants", headers=bearer(key["api_key"]))).json()
        assert [(g["grant_id"], g["zones"]) for g in mine] == [(grant["grant_id"], ["north"])]

        records = await consume_until(
            kafka_bootstrap, topics.REGISTRY, once_each(_grant_events), count=2
        )
        events = sorted(
            (from_kafka(dict(r.headers), r.key, r.value).data for r in records),
            key=lambda d: d.sequence,  # type: ignore[attr-defined]
        )
        first, second = events
        assert isinstance(first, GrantChangedV1) and isinstance(second, GrantChangedV1)
        assert first.zones == ["north", "east"] and first.agreement_ref == "DSA-2030-07"
        assert [c.value for c in first.field_view or []] == ["public", "internal"]
        assert first.starts_at is not None and first.starts_at.year == 2030
        assert second.zones == ["north"] and second.field_view is None
        assert dict(records[0].headers)["ce_dataschema"].endswith(b"/v1.1.json")


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"zones": []}, "#/zones"),
        ({"zones": ["north", " "]}, "#/zones/1"),
        ({"field_view": ["secret"]}, "#/field_view/0"),
        ({"expires_at": "2029-01-01T00:00:00Z"}, "#/expires_at"),
        ({"starts_at": "2030-01-01T00:00:00"}, "#/starts_at"),
    ],
)
async def test_invalid_terms_are_refused_with_pointers(
    kafka_bootstrap: str, make_database: Any, change: dict[str, Any], pointer: str
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        response = await client.post("/v1/admin/grants", json=TERMS | change, headers=admin())

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]


async def test_a_patch_may_not_end_a_grant_before_it_starts_nor_change_a_revoked_one(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        body = partner_body(partner_id="safe-streets", kind="cvi_org")
        await client.post("/v1/admin/partners", json=body, headers=admin())
        grant = (await client.post("/v1/admin/grants", json=TERMS, headers=admin())).json()
        url = f"/v1/admin/grants/{grant['grant_id']}"

        early = await client.patch(
            url, json={"expires_at": "2029-06-01T00:00:00Z"}, headers=admin()
        )
        await client.delete(url, headers=admin())
        revoked = await client.patch(url, json={"zones": ["south"]}, headers=admin())
        unknown = await client.patch("/v1/admin/grants/nope", json={}, headers=admin())

    assert (early.status_code, early.json()["type"].rsplit("/", 1)[-1]) == (
        422,
        "invalid-grant-period",
    )
    assert revoked.status_code == 409
    assert unknown.status_code == 404


async def test_a_funder_can_hold_no_grant_on_an_event_stream(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        body = partner_body(partner_id="city-fund", kind="funder", name="City Violence Fund")
        created = await client.post("/v1/admin/partners", json=body, headers=admin())
        assert created.status_code == 201, created.text
        assert created.json()["kind"] == "funder"
        refused = []
        for stream in ("incident-alerts", "referrals", "bulletins"):
            for action in ("subscribe", "publish"):
                grant = {"partner_id": "city-fund", "stream": stream, "action": action}
                refused.append(await client.post("/v1/admin/grants", json=grant, headers=admin()))
        grants = await client.get("/v1/admin/grants?partner_id=city-fund", headers=admin())
        audit = (await client.get("/v1/admin/audit?limit=50", headers=admin())).json()

    for response in refused:
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/funder-aggregates-only")
    assert grants.json() == []
    assert "grant.created" not in {entry["action"] for entry in audit}
