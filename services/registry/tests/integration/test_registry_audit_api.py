"""The audit log through the API: concurrent refusals and changes chain, and it verifies."""

import asyncio
import itertools
from typing import Any

import httpx
import pytest
from registry_builders import admin, bearer, partner_body, registry

pytestmark = pytest.mark.integration


async def _key(client: httpx.AsyncClient, partner_id: str) -> dict[str, Any]:
    response = await client.post(f"/v1/admin/partners/{partner_id}/keys", headers=admin())
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


async def test_concurrent_refusals_and_changes_form_one_verified_chain(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        assert (
            await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        ).status_code == 201
        key = await _key(client, "mercy-hospital")
        forged = f"cvh_{key['credential_id']}_{'x' * 43}"
        calls = [
            *(client.get("/v1/partners/me", headers=bearer(forged)) for _ in range(6)),
            *(
                client.get("/v1/admin/partners", headers=admin("wrong-token-000000"))
                for _ in range(4)
            ),
            *(
                client.post(
                    "/v1/admin/partners", json=partner_body(partner_id=f"org-{n}"), headers=admin()
                )
                for n in range(5)
            ),
            *(
                client.post("/v1/admin/partners/mercy-hospital/keys", headers=admin())
                for _ in range(3)
            ),
        ]
        statuses = sorted(r.status_code for r in await asyncio.gather(*calls))
        assert statuses == [201] * 8 + [401] * 10

        verdict = await client.get("/v1/admin/audit/verify", headers=admin())
        entries = (await client.get("/v1/admin/audit?limit=1000", headers=admin())).json()
        unauthorised = await client.get("/v1/admin/audit/verify")

    assert verdict.status_code == 200
    assert verdict.json() == {
        "ok": True,
        "checked": len(entries),
        "first_bad_id": None,
        "reason": None,
    }
    ascending = entries[::-1]
    assert [e["id"] for e in ascending] == list(range(1, len(entries) + 1))
    for before, after in itertools.pairwise(ascending):
        assert after["prev_hash"] == before["entry_hash"]
    actions = [e["action"] for e in entries]
    assert actions.count("auth.refused") == 10
    assert actions.count("partner.created") == 6 and actions.count("credential.created") == 4
    assert unauthorised.status_code == 401


async def test_reaching_for_another_partners_key_is_refused_and_audited(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        for partner_id in ("mercy-hospital", "safe-streets"):
            body = partner_body(partner_id=partner_id, kind="cvi_org")
            assert (
                await client.post("/v1/admin/partners", json=body, headers=admin())
            ).status_code == 201
        mine = await _key(client, "mercy-hospital")
        theirs = await _key(client, "safe-streets")

        refused = await client.delete(
            f"/v1/partners/me/keys/{theirs['credential_id']}", headers=bearer(mine["api_key"])
        )
        still_works = await client.get("/v1/partners/me", headers=bearer(theirs["api_key"]))
        audit = await client.get("/v1/admin/audit?limit=50", headers=admin())
        verdict = (await client.get("/v1/admin/audit/verify", headers=admin())).json()

    assert refused.status_code == 404
    assert still_works.json()["partner_id"] == "safe-streets"
    [entry] = [e for e in audit.json() if e["action"] == "access.refused"]
    assert (entry["actor"], entry["entity_id"]) == ("mercy-hospital", theirs["credential_id"])
    assert entry["detail"] == {
        "scope": "partner",
        "reason": "not-owner",
        "operation": "credential.revoke",
    }
    for secret in (mine["api_key"], theirs["api_key"]):
        assert secret not in audit.text
    assert verdict["ok"] is True
