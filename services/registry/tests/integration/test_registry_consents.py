"""Consent records: a hospital records, reads and withdraws its own; others see nothing."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from registry_builders import admin, bearer, once_each, partner_body, registry

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import EntityStatus
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration


async def _partner(
    client: httpx.AsyncClient, partner_id: str, kind: str, *, publishes_referrals: bool = False
) -> str:
    """Create a partner (optionally with a referrals publish grant); return its API key."""
    body = partner_body(partner_id=partner_id, name=f"Org {partner_id}", kind=kind)
    assert (await client.post("/v1/admin/partners", json=body, headers=admin())).status_code == 201
    if publishes_referrals:
        grant = {"partner_id": partner_id, "stream": "referrals", "action": "publish"}
        assert (
            await client.post("/v1/admin/grants", json=grant, headers=admin())
        ).status_code == 201
    key = await client.post(f"/v1/admin/partners/{partner_id}/keys", headers=admin())
    assert key.status_code == 201
    return str(key.json()["api_key"])


def consent_body(**overrides: Any) -> dict[str, Any]:
    """A POST /v1/consents body: covers safe-streets for contact and injury, 90 days."""
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "recipient_partner_ids": ["safe-streets"],
        "scope": ["contact", "injury"],
        "purpose": "violence intervention referral",
        "given_at": (now - timedelta(minutes=5)).isoformat(),
        "expires_at": (now + timedelta(days=90)).isoformat(),
    }
    body.update(overrides)
    return body


async def test_consent_lifecycle_access_audit_and_events(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        hospital = await _partner(client, "mercy-hospital", "hospital", publishes_referrals=True)
        recipient = await _partner(client, "safe-streets", "cvi_org")
        stranger = await _partner(client, "other-org", "cvi_org")

        # Only a partner allowed to publish referrals records consent; recipients must exist.
        refused = await client.post("/v1/consents", json=consent_body(), headers=bearer(stranger))
        assert refused.status_code == 403 and refused.json()["type"].endswith("/not-granted")
        unknown = consent_body(recipient_partner_ids=["nobody-here"])
        bad = await client.post("/v1/consents", json=unknown, headers=bearer(hospital))
        assert bad.status_code == 422 and bad.json()["type"].endswith("/unknown-recipient")
        odd = await client.post(
            "/v1/consents", json=consent_body(scope=["everything"]), headers=bearer(hospital)
        )
        assert odd.status_code == 422

        created = await client.post("/v1/consents", json=consent_body(), headers=bearer(hospital))
        assert created.status_code == 201, created.text
        consent = created.json()
        consent_id = consent["consent_id"]
        assert consent["custodian_partner_id"] == "mercy-hospital"
        assert consent["status"] == "active" and consent["withdrawn_at"] is None
        path = f"/v1/consents/{consent_id}"

        # Custodian and recipient read it; anyone else gets the same 404 as for no record.
        assert (await client.get(path, headers=bearer(hospital))).status_code == 200
        assert (await client.get(path, headers=bearer(recipient))).status_code == 200
        foreign = await client.get(path, headers=bearer(stranger))
        missing = await client.get("/v1/consents/nope", headers=bearer(stranger))
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["type"] == missing.json()["type"]
        own = (await client.get("/v1/consents", headers=bearer(hospital))).json()
        assert [c["consent_id"] for c in own] == [consent_id]
        assert (await client.get("/v1/consents", headers=bearer(recipient))).json() == []

        # Only the custodian withdraws: a stranger gets 404, the recipient 403.
        assert (await client.post(f"{path}/withdraw", headers=bearer(stranger))).status_code == 404
        assert (await client.post(f"{path}/withdraw", headers=bearer(recipient))).status_code == 403
        reason = {"reason": "patient asked to stop"}
        withdrawn = await client.post(f"{path}/withdraw", json=reason, headers=bearer(hospital))
        assert withdrawn.status_code == 200
        assert withdrawn.json()["status"] == "revoked" and withdrawn.json()["withdrawn_at"]
        again = await client.post(f"{path}/withdraw", headers=bearer(hospital))
        assert again.status_code == 200
        assert again.json()["withdrawn_at"] == withdrawn.json()["withdrawn_at"]
        assert again.json()["sequence"] == withdrawn.json()["sequence"]

        listed = (await client.get("/v1/admin/consents", headers=admin())).json()
        assert [(c["consent_id"], c["status"]) for c in listed] == [(consent_id, "revoked")]
        shown = await client.get(f"/v1/admin/consents/{consent_id}", headers=admin())
        assert shown.status_code == 200 and shown.json()["status"] == "revoked"
        assert (await client.get("/v1/admin/consents", headers=bearer(hospital))).status_code == 401

        audit = (await client.get("/v1/admin/audit", headers=admin())).json()
        changes = [e for e in audit if e["entity_id"] == consent_id]
        actions = sorted(e["action"] for e in changes)
        assert actions == [
            "access.refused",
            "access.refused",
            "access.refused",
            "consent.recorded",
            "consent.withdrawn",
        ]
        assert all("patient asked" not in str(e["detail"]) for e in audit)
        assert any(
            e["action"] == "access.refused" and e["detail"].get("operation") == "consent.record"
            for e in audit
        )
        verified = (await client.get("/v1/admin/audit/verify", headers=admin())).json()
        assert verified["ok"] is True

        subject = f"consents/{consent_id}".encode()
        records = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            once_each(lambda r: dict(r.headers).get("ce_subject") == subject),
            count=2,
        )
        events = [from_kafka(dict(r.headers), r.key, r.value).data for r in records]
        assert all(isinstance(e, ConsentChangedV1) for e in events)
        statuses = sorted(e.status for e in events if isinstance(e, ConsentChangedV1))
        assert statuses == [EntityStatus.ACTIVE, EntityStatus.REVOKED]
        assert all(b"patient asked" not in r.value for r in records)


async def test_a_consent_to_a_network_referral_names_the_network(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        hospital = await _partner(client, "mercy-hospital", "hospital", publishes_referrals=True)
        body = consent_body(recipient_partner_ids=["network"])
        made = await client.post("/v1/consents", json=body, headers=bearer(hospital))
        # No partner is called `network`: the consent covers whoever accepts the referral.
        assert made.status_code == 201, made.text
        assert made.json()["recipient_partner_ids"] == ["network"]
        still = consent_body(recipient_partner_ids=["network", "nobody-here"])
        refused = await client.post("/v1/consents", json=still, headers=bearer(hospital))
        assert refused.status_code == 422
        assert refused.json()["type"].endswith("/unknown-recipient")
