"""Partners manage their own endpoints and profile; the directory and the streams catalog."""

from typing import Any

import httpx
import pytest
from registry_builders import WEBHOOK_SECRET, admin, bearer, partner_body, registry

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import (
    EntityStatus,
    PartnerChangedV1,
    SubscriptionChangedV1,
)
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration


async def _partner(client: httpx.AsyncClient, partner_id: str, **fields: Any) -> str:
    """Create a partner (optionally with a subscribe grant on alerts); return its API key."""
    grant_stream = fields.pop("grant", None)
    body = partner_body(partner_id=partner_id, name=f"Org {partner_id}", **fields)
    assert (await client.post("/v1/admin/partners", json=body, headers=admin())).status_code == 201
    if grant_stream:
        grant = {"partner_id": partner_id, "stream": grant_stream, "action": "subscribe"}
        made = await client.post("/v1/admin/grants", json=grant, headers=admin())
        assert made.status_code == 201
    key = await client.post(f"/v1/admin/partners/{partner_id}/keys", headers=admin())
    assert key.status_code == 201
    return str(key.json()["api_key"])


async def test_partner_manages_its_own_endpoints_only(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key_a = await _partner(client, "org-a", kind="cvi_org", grant="incident-alerts")
        key_b = await _partner(client, "org-b", kind="cvi_org", grant="incident-alerts")
        hook = {"stream": "incident-alerts", "url": "https://org-a.example/hook"}

        created = await client.post(
            "/v1/partners/me/subscriptions", json=hook, headers=bearer(key_a)
        )
        assert created.status_code == 201
        body = created.json()
        assert body["partner_id"] == "org-a" and body["secret"].startswith("whsec_")
        listed = (await client.get("/v1/partners/me/subscriptions", headers=bearer(key_a))).json()
        assert [s["subscription_id"] for s in listed] == [body["subscription_id"]]
        assert all("secret" not in s for s in listed)

        # No grant on referrals: refused, nothing created, the refusal audited.
        ungranted = {
            "stream": "referrals",
            "url": "https://org-a.example/ref",
            "secret": WEBHOOK_SECRET,
        }
        refused = await client.post(
            "/v1/partners/me/subscriptions", json=ungranted, headers=bearer(key_a)
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("not-granted")
        audit = (await client.get("/v1/admin/audit", headers=admin())).json()
        assert any(
            e["action"] == "access.refused" and e["detail"].get("reason") == "not-granted"
            for e in audit
        )
        assert (
            len((await client.get("/v1/partners/me/subscriptions", headers=bearer(key_a))).json())
            == 1
        )

        # B cannot remove A's endpoint, nor learn that it exists.
        path = f"/v1/partners/me/subscriptions/{body['subscription_id']}"
        foreign = await client.delete(path, headers=bearer(key_b))
        assert foreign.status_code == 404
        unknown = await client.delete("/v1/partners/me/subscriptions/nope", headers=bearer(key_b))
        assert unknown.status_code == 404 and unknown.json()["type"] == foreign.json()["type"]
        subs = (await client.get("/v1/admin/subscriptions", headers=admin())).json()
        assert [s["status"] for s in subs] == ["active"]

        assert (await client.delete(path, headers=bearer(key_a))).status_code == 204
        subs = (await client.get("/v1/admin/subscriptions", headers=admin())).json()
        assert [s["status"] for s in subs] == ["revoked"]

        records = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            lambda r: (
                dict(r.headers).get("ce_subject")
                == f"subscriptions/{body['subscription_id']}".encode()
                and b'"revoked"' in r.value
            ),
        )
        event = from_kafka(dict(records[0].headers), records[0].key, records[0].value)
        assert isinstance(event.data, SubscriptionChangedV1)
        assert event.data.partner_id == "org-a" and event.data.status is EntityStatus.REVOKED


async def test_revoked_grant_stops_new_endpoints(kafka_bootstrap: str, make_database: Any) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _partner(client, "org-a", kind="cvi_org", grant="bulletins")
        grant_id = (await client.get("/v1/partners/me/grants", headers=bearer(key))).json()[0][
            "grant_id"
        ]
        assert (
            await client.delete(f"/v1/admin/grants/{grant_id}", headers=admin())
        ).status_code == 204
        hook = {"stream": "bulletins", "url": "https://org-a.example/b"}
        refused = await client.post("/v1/partners/me/subscriptions", json=hook, headers=bearer(key))
        assert refused.status_code == 403


async def test_profile_self_edit_directory_and_area_events(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key_a = await _partner(
            client,
            "org-a",
            kind="cvi_org",
            zones=["north", "east"],
            beats=["0211"],
            community_areas=["Austin"],
            services_offered=["street outreach"],
            website="https://org-a.example",
        )
        key_b = await _partner(client, "org-b", kind="hospital", zones=["south"])

        me = (await client.get("/v1/partners/me", headers=bearer(key_a))).json()
        assert me["zones"] == ["north", "east"] and me["website"] == "https://org-a.example"

        edit = {"description": "Violence interrupters", "services_offered": ["mediation"]}
        changed = await client.patch("/v1/partners/me", json=edit, headers=bearer(key_a))
        assert changed.status_code == 200
        assert changed.json()["services_offered"] == ["mediation"]
        assert changed.json()["sequence"] > me["sequence"]
        # Name, kind, status and areas are the admin's: refused as invalid fields.
        for field, value in (("name", "X"), ("status", "suspended"), ("zones", ["west"])):
            refused = await client.patch(
                "/v1/partners/me", json={field: value}, headers=bearer(key_a)
            )
            assert refused.status_code == 422, field
        # "me" is always the caller: B's edit changes B, never A.
        await client.patch("/v1/partners/me", json={"description": "B"}, headers=bearer(key_b))
        a_now = (await client.get("/v1/admin/partners/org-a", headers=admin())).json()
        assert a_now["description"] == "Violence interrupters"
        audit = (await client.get("/v1/admin/audit", headers=admin())).json()
        assert any(
            e["action"] == "partner.profile-updated" and e["actor"] == "org-a" for e in audit
        )

        area = await client.patch(
            "/v1/admin/partners/org-b", json={"zones": ["south", "west"]}, headers=admin()
        )
        assert area.status_code == 200 and area.json()["zones"] == ["south", "west"]
        bad = await client.patch("/v1/admin/partners/org-b", json={"zones": [""]}, headers=admin())
        assert bad.status_code == 422

        everyone = (await client.get("/v1/directory", headers=bearer(key_b))).json()
        assert {p["partner_id"] for p in everyone} == {"org-a", "org-b"}
        assert "status" not in everyone[0] and everyone[0]["services_offered"] == ["mediation"]
        west = (await client.get("/v1/directory?zone=west", headers=bearer(key_a))).json()
        assert [p["partner_id"] for p in west] == ["org-b"]
        cvi = (
            await client.get("/v1/directory?kind=cvi_org&service=Mediation", headers=bearer(key_b))
        ).json()
        assert [p["partner_id"] for p in cvi] == ["org-a"]
        none = (await client.get("/v1/directory?service=surgery", headers=bearer(key_b))).json()
        assert none == []

        records = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            lambda r: dict(r.headers).get("ce_subject") == b"partners/org-b" and b"west" in r.value,
        )
        event = from_kafka(dict(records[0].headers), records[0].key, records[0].value)
        assert isinstance(event.data, PartnerChangedV1)
        assert event.data.zones == ["south", "west"]
        assert dict(records[0].headers)["ce_dataschema"].endswith(b"/v1.3.json")


async def test_streams_catalog_for_partners_and_admin(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _partner(client, "org-a", kind="police")
        as_partner = await client.get("/v1/streams", headers=bearer(key))
        as_admin = await client.get("/v1/streams", headers=admin())
        assert as_partner.status_code == as_admin.status_code == 200
        assert as_partner.json() == as_admin.json()
        by_stream = {s["stream"]: s for s in as_partner.json()}
        assert set(by_stream) == {"referrals", "incident-alerts", "bulletins"}
        alerts = by_stream["incident-alerts"]
        assert alerts["topic"] == topics.INCIDENT_ALERTS
        assert {(e["event_type"], e["version"]) for e in alerts["events"]} == {
            ("org.cvihub.incident-alert.published", 1),
            ("org.cvihub.incident-alert.published", 2),
        }
        assert alerts["highest_classification"] == "cji"
        assert by_stream["referrals"]["highest_classification"] in {"phi", "part2"}
        assert (await client.get("/v1/streams")).status_code == 401
        wrong = await client.get("/v1/streams", headers=bearer("cvh_000000000000_nope"))
        assert wrong.status_code == 401
