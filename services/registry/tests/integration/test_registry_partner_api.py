"""Partners see and change only their own data; suspension and revocation shut keys out."""

from typing import Any

import httpx
import pytest
from registry_builders import admin, bearer, partner_body, registry

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import EntityStatus, PartnerChangedV1
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration


async def _onboard(client: httpx.AsyncClient, partner_id: str, kind: str) -> str:
    """Create a partner with a referrals subscribe grant and a hook; return its API key."""
    body = partner_body(partner_id=partner_id, name=f"Org {partner_id}", kind=kind)
    assert (await client.post("/v1/admin/partners", json=body, headers=admin())).status_code == 201
    grant = {"partner_id": partner_id, "stream": "referrals", "action": "subscribe"}
    assert (await client.post("/v1/admin/grants", json=grant, headers=admin())).status_code == 201
    hook = {"stream": "referrals", "url": f"https://{partner_id}.example/hook"}
    created = await client.post(
        f"/v1/admin/partners/{partner_id}/subscriptions", json=hook, headers=admin()
    )
    assert created.status_code == 201
    key = await client.post(f"/v1/admin/partners/{partner_id}/keys", headers=admin())
    assert key.status_code == 201
    return str(key.json()["api_key"])


async def test_partners_are_isolated(kafka_bootstrap: str, make_database: Any) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key_a = await _onboard(client, "org-a", "cvi_org")
        key_b = await _onboard(client, "org-b", "hospital")
        b_credential = key_b.split("_")[1]

        me = await client.get("/v1/partners/me", headers=bearer(key_a))
        assert me.status_code == 200 and me.json()["partner_id"] == "org-a"
        for path in ("/v1/partners/me/grants", "/v1/partners/me/subscriptions"):
            rows = (await client.get(path, headers=bearer(key_a))).json()
            assert rows and {row["partner_id"] for row in rows} == {"org-a"}
            assert all("secret" not in row and "secret_encrypted" not in row for row in rows)
        keys = (await client.get("/v1/partners/me/keys", headers=bearer(key_a))).json()
        assert [k["partner_id"] for k in keys] == ["org-a"]
        assert all("api_key" not in k and "key_sha256" not in k for k in keys)

        # A cannot revoke B's key, nor learn that it exists.
        refused = await client.delete(f"/v1/partners/me/keys/{b_credential}", headers=bearer(key_a))
        assert refused.status_code == 404
        assert refused.headers["content-type"] == "application/problem+json"
        assert (await client.get("/v1/partners/me", headers=bearer(key_b))).status_code == 200

        # Self-service rotation: a new key works, the old one revoked stops working.
        rotated = await client.post("/v1/partners/me/keys", headers=bearer(key_a))
        assert rotated.status_code == 201
        new_key = rotated.json()["api_key"]
        old_credential = key_a.split("_")[1]
        gone = await client.delete(
            f"/v1/partners/me/keys/{old_credential}", headers=bearer(new_key)
        )
        assert gone.status_code == 204
        assert (await client.get("/v1/partners/me", headers=bearer(key_a))).status_code == 401
        assert (await client.get("/v1/partners/me", headers=bearer(new_key))).status_code == 200

        directory = await client.get("/v1/directory", headers=bearer(new_key))
        assert {p["partner_id"] for p in directory.json()} == {"org-a", "org-b"}
        assert set(directory.json()[0]) == {
            "partner_id",
            "name",
            "kind",
            "description",
            "contact_email",
            "services_offered",
            "website",
            "zones",
            "beats",
            "community_areas",
            "service_area",
            "cvi_services",
            "languages",
            "age_groups",
        }


async def test_suspension_shuts_out_and_is_published(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key_a = await _onboard(client, "org-a", "cvi_org")
        key_b = await _onboard(client, "org-b", "police")

        suspended = await client.patch(
            "/v1/admin/partners/org-b", json={"status": "suspended"}, headers=admin()
        )
        assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
        assert (await client.get("/v1/partners/me", headers=bearer(key_b))).status_code == 401
        directory = (await client.get("/v1/directory", headers=bearer(key_a))).json()
        assert [p["partner_id"] for p in directory] == ["org-a"]

        records = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            lambda r: (
                dict(r.headers).get("ce_subject") == b"partners/org-b" and b'"suspended"' in r.value
            ),
        )
        event = from_kafka(dict(records[0].headers), records[0].key, records[0].value)
        assert isinstance(event.data, PartnerChangedV1)
        assert event.data.status is EntityStatus.SUSPENDED
        assert event.data.sequence == suspended.json()["sequence"]

        restored = await client.patch(
            "/v1/admin/partners/org-b", json={"status": "active"}, headers=admin()
        )
        assert restored.json()["sequence"] > suspended.json()["sequence"]
        assert (await client.get("/v1/partners/me", headers=bearer(key_b))).status_code == 200


async def test_conflicts_unknowns_and_validation(kafka_bootstrap: str, make_database: Any) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await _onboard(client, "org-a", "cvi_org")
        again = await client.post(
            "/v1/admin/partners", json=partner_body(partner_id="org-a"), headers=admin()
        )
        assert again.status_code == 409
        grant = {"partner_id": "org-a", "stream": "referrals", "action": "subscribe"}
        duplicate = await client.post("/v1/admin/grants", json=grant, headers=admin())
        assert duplicate.status_code == 409
        assert duplicate.json()["type"].endswith("/grant-exists")

        unknown = await client.post(
            "/v1/admin/grants", json={**grant, "partner_id": "nobody"}, headers=admin()
        )
        assert unknown.status_code == 404
        assert (await client.get("/v1/admin/partners/nobody", headers=admin())).status_code == 404
        assert (await client.delete("/v1/admin/grants/nope", headers=admin())).status_code == 404
        assert (await client.delete("/v1/admin/keys/nope", headers=admin())).status_code == 404

        bad = await client.post(
            "/v1/admin/partners",
            json=partner_body(partner_id="Bad_Id", kind="bank"),
            headers=admin(),
        )
        assert bad.status_code == 422
        pointers = {e["pointer"] for e in bad.json()["errors"]}
        assert pointers == {"#/partner_id", "#/kind"}
        bad_hook = await client.post(
            "/v1/admin/partners/org-a/subscriptions",
            json={"stream": "referrals", "url": "ftp://x.example/", "secret": "plain"},
            headers=admin(),
        )
        assert bad_hook.status_code == 422
        not_whsec = await client.post(
            "/v1/admin/partners/org-a/subscriptions",
            json={"stream": "referrals", "url": "https://x.example/", "secret": "plain-secret"},
            headers=admin(),
        )
        assert not_whsec.status_code == 422
        assert "plain-secret" not in not_whsec.text
        past = await client.post(
            "/v1/admin/partners/org-a/keys",
            json={"expires_at": "2001-01-01T00:00:00Z"},
            headers=admin(),
        )
        assert past.status_code == 422

        # A revoked grant frees the triple for a new one.
        grant_id = (await client.get("/v1/admin/grants?partner_id=org-a", headers=admin())).json()[
            0
        ]["grant_id"]
        assert (
            await client.delete(f"/v1/admin/grants/{grant_id}", headers=admin())
        ).status_code == 204
        assert (
            await client.post("/v1/admin/grants", json=grant, headers=admin())
        ).status_code == 201
