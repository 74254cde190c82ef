"""Admin endpoints refuse anything but the admin token, and every refusal is audited."""

from typing import Any

import pytest
from registry_builders import admin, bearer, partner_body, registry

pytestmark = pytest.mark.integration


async def test_admin_refusals_are_audited(kafka_bootstrap: str, make_database: Any) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        assert (
            await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        ).status_code == 201
        key = await client.post("/v1/admin/partners/mercy-hospital/keys", headers=admin())
        api_key = key.json()["api_key"]
        credential_id = key.json()["credential_id"]

        missing = await client.get("/v1/admin/partners")
        wrong = await client.get("/v1/admin/partners", headers=admin("not-the-admin-token!"))
        partner_key = await client.post(
            "/v1/admin/partners", json=partner_body(partner_id="x-org"), headers=bearer(api_key)
        )
        for response in (missing, wrong, partner_key):
            assert response.status_code == 401
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"].startswith("Bearer")
        assert (await client.get("/v1/admin/partners/x-org", headers=admin())).status_code == 404

        forged = f"cvh_{credential_id}_{'x' * 43}"
        assert (await client.get("/v1/partners/me", headers=bearer(forged))).status_code == 401

        audit = await client.get("/v1/admin/audit?limit=50", headers=admin())
        entries = audit.json()
        refusals = [e for e in entries if e["action"] == "auth.refused"]
        assert [(e["detail"]["scope"], e["detail"]["reason"]) for e in refusals] == [
            ("partner", "unknown-key"),
            ("admin", "wrong-token"),
            ("admin", "wrong-token"),
            ("admin", "missing-credentials"),
        ]
        assert refusals[1]["entity_id"] == credential_id  # the partner key's public id
        assert entries == sorted(entries, key=lambda e: e["id"], reverse=True)
        assert {"partner.created", "credential.created"} <= {e["action"] for e in entries}
        assert api_key not in audit.text and "not-the-admin-token!" not in audit.text
        assert "x" * 43 not in audit.text
