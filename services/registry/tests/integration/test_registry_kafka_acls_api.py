"""GET /v1/admin/kafka-acls shows the ACLs the grants call for, without any cluster."""

from typing import Any

import pytest
from registry_builders import admin, partner_body, registry

from cvihub_contracts import topics

pytestmark = pytest.mark.integration


def _binding(acl: dict[str, str]) -> tuple[str, ...]:
    return (acl["principal"], acl["resource_name"], acl["pattern_type"], acl["operation"])


async def test_desired_acls_follow_grants(kafka_bootstrap: str, make_database: Any) -> None:
    db = make_database("registry")
    async with registry(kafka_bootstrap, db, kafka_acl_direct_publish=True) as client:
        for body in (
            partner_body(partner_id="eastside-cvi", kind="cvi_org"),
            partner_body(partner_id="metro-police", kind="police"),
        ):
            assert (await client.post("/v1/admin/partners", json=body, headers=admin())).is_success
        grants = [
            ("eastside-cvi", "incident-alerts", "subscribe"),
            ("metro-police", "incident-alerts", "publish"),
            ("metro-police", "bulletins", "subscribe"),
        ]
        ids = []
        for partner_id, stream, action in grants:
            body = {"partner_id": partner_id, "stream": stream, "action": action}
            created = await client.post("/v1/admin/grants", json=body, headers=admin())
            ids.append(created.json()["grant_id"])

        answer = await client.get("/v1/admin/kafka-acls", headers=admin())
        assert answer.status_code == 200
        assert {_binding(a) for a in answer.json()} == {
            ("User:eastside-cvi", topics.INCIDENT_ALERTS, "LITERAL", "READ"),
            ("User:eastside-cvi", topics.INCIDENT_ALERTS, "LITERAL", "DESCRIBE"),
            ("User:eastside-cvi", "eastside-cvi.", "PREFIXED", "READ"),
            ("User:metro-police", topics.INCIDENT_ALERTS, "LITERAL", "WRITE"),
            ("User:metro-police", topics.INCIDENT_ALERTS, "LITERAL", "DESCRIBE"),
            ("User:metro-police", topics.BULLETINS, "LITERAL", "READ"),
            ("User:metro-police", topics.BULLETINS, "LITERAL", "DESCRIBE"),
            ("User:metro-police", "metro-police.", "PREFIXED", "READ"),
        }

        # Suspending the police and revoking the CVI org's grant leaves nothing.
        suspend = {"status": "suspended"}
        await client.patch("/v1/admin/partners/metro-police", json=suspend, headers=admin())
        await client.delete(f"/v1/admin/grants/{ids[0]}", headers=admin())
        assert (await client.get("/v1/admin/kafka-acls", headers=admin())).json() == []
        assert (await client.get("/v1/admin/kafka-acls")).status_code == 401
