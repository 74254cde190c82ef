"""Named administrators: their own keys, roles, revocation, and the audit naming each of them."""

from typing import Any

import httpx
import pytest
from registry_builders import admin, bearer, partner_body, registry

pytestmark = pytest.mark.integration


async def _create(client: httpx.AsyncClient, admin_id: str, role: str) -> dict[str, Any]:
    response = await client.post(
        "/v1/admin/administrators",
        json={"admin_id": admin_id, "name": admin_id.title(), "email": f"{admin_id}@hub.example"}
        | {"role": role},
        headers=admin(),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _audit(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/v1/admin/audit?limit=200", headers=admin())
    entries: list[dict[str, Any]] = response.json()
    return entries


async def test_named_admins_act_under_their_own_name(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        rivera = await _create(client, "j.rivera", "admin")
        chen = await _create(client, "a.chen", "auditor")
        rivera_key = rivera["key"]["api_key"]
        chen_key = chen["key"]["api_key"]
        assert rivera_key.startswith(f"cva_{rivera['key']['credential_id']}_")
        assert rivera["role"] == "admin" and chen["role"] == "auditor"

        me = await client.get("/v1/admin/whoami", headers=bearer(rivera_key))
        assert me.json() == {
            "actor": "admin:j.rivera",
            "role": "admin",
            "admin_id": "j.rivera",
            "credential_id": rivera["key"]["credential_id"],
        }
        bootstrap = await client.get("/v1/admin/whoami", headers=admin())
        assert bootstrap.json()["actor"] == "admin"

        created = await client.post(
            "/v1/admin/partners", json=partner_body(), headers=bearer(rivera_key)
        )
        assert created.status_code == 201
        # An auditor reads everything but changes nothing, and the refusal is on record.
        assert (await client.get("/v1/admin/partners", headers=bearer(chen_key))).status_code == 200
        assert (await client.get("/v1/admin/audit", headers=bearer(chen_key))).status_code == 200
        refused = await client.post(
            "/v1/admin/partners",
            json=partner_body(partner_id="other-org"),
            headers=bearer(chen_key),
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("insufficient-role")
        assert (
            await client.get("/v1/admin/partners/other-org", headers=admin())
        ).status_code == 404
        # The streams catalog, open to administrators and partners, takes an admin key too.
        assert (await client.get("/v1/streams", headers=bearer(chen_key))).status_code == 200

        entries = await _audit(client)
        by_action = {(e["action"], e["entity_id"]): e for e in entries}
        assert by_action[("partner.created", "mercy-hospital")]["actor"] == "admin:j.rivera"
        assert by_action[("administrator.created", "j.rivera")]["actor"] == "admin"
        role_refusal = next(e for e in entries if e["detail"].get("reason") == "insufficient-role")
        assert role_refusal["actor"] == "admin:a.chen"
        assert role_refusal["detail"]["path"] == "/v1/admin/partners"
        text = str(entries)
        assert rivera_key not in text and chen_key not in text
        assert "j.rivera@hub.example" not in text  # e-mail is PII: never in the chain
        verify = await client.get("/v1/admin/audit/verify", headers=admin())
        assert verify.json()["ok"] is True


async def test_admin_and_partner_keys_never_cross(kafka_bootstrap: str, make_database: Any) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        rivera_key = (await _create(client, "j.rivera", "admin"))["key"]["api_key"]
        await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        partner_key = (
            await client.post("/v1/admin/partners/mercy-hospital/keys", headers=admin())
        ).json()["api_key"]

        assert (await client.get("/v1/partners/me", headers=bearer(rivera_key))).status_code == 401
        assert (
            await client.get("/v1/admin/partners", headers=bearer(partner_key))
        ).status_code == 401
        assert (await client.get("/v1/partners/me", headers=bearer(partner_key))).status_code == 200


async def test_revoking_or_disabling_stops_keys_at_once(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        rivera = await _create(client, "j.rivera", "admin")
        chen = await _create(client, "a.chen", "auditor")
        first = rivera["key"]
        second = (
            await client.post(
                "/v1/admin/administrators/j.rivera/keys",
                json={"expires_in_days": 7},
                headers=bearer(first["api_key"]),
            )
        ).json()
        # A second key lets Rivera revoke the first with the admin's own credentials.
        revoked = await client.delete(
            f"/v1/admin/administrators/j.rivera/keys/{first['credential_id']}",
            headers=bearer(second["api_key"]),
        )
        assert revoked.status_code == 204
        stale = await client.get("/v1/admin/partners", headers=bearer(first["api_key"]))
        assert stale.status_code == 401
        assert (
            await client.get("/v1/admin/partners", headers=bearer(second["api_key"]))
        ).status_code == 200

        disabled = await client.patch(
            "/v1/admin/administrators/a.chen",
            json={"status": "disabled"},
            headers=bearer(second["api_key"]),
        )
        assert disabled.json()["status"] == "disabled"
        gone = await client.get("/v1/admin/partners", headers=bearer(chen["key"]["api_key"]))
        assert gone.status_code == 401
        detail = (await client.get("/v1/admin/administrators/a.chen", headers=admin())).json()
        assert [k["status"] for k in detail["keys"]] == ["revoked"]
        assert "api_key" not in str(detail) and "key_sha256" not in str(detail)
        reissue = await client.post("/v1/admin/administrators/a.chen/keys", headers=admin())
        assert reissue.status_code == 422

        again = await client.post(
            "/v1/admin/administrators",
            json={"admin_id": "a.chen", "name": "Someone Else"},
            headers=admin(),
        )
        assert again.status_code == 409
        foreign = await client.delete(
            f"/v1/admin/administrators/a.chen/keys/{second['credential_id']}", headers=admin()
        )
        assert foreign.status_code == 404  # not a.chen's key: nothing revoked
        assert (
            await client.get("/v1/admin/partners", headers=bearer(second["api_key"]))
        ).status_code == 200

        entries = await _audit(client)
        refusals = [e for e in entries if e["action"] == "auth.refused"]
        reasons = {(e["actor"], e["detail"]["reason"]) for e in refusals}
        assert ("admin:j.rivera", "revoked-key") in reasons
        # A disabled administrator's keys are revoked with them.
        assert ("admin:a.chen", "revoked-key") in reasons
        disable = next(e for e in entries if e["action"] == "administrator.disabled")
        assert disable["actor"] == "admin:j.rivera"
        assert disable["detail"] == {"fields": ["status"], "keys_revoked": 1}
        assert {"admin_key.issued", "admin_key.revoked"} <= {e["action"] for e in entries}
