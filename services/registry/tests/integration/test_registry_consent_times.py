"""Consent records' times from outside: a zone is required, given_at is not in the future
(beyond the skew), expires_at comes after given_at and is not past; each refusal is a 422
naming its field, and nothing is recorded."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from registry_builders import admin, bearer, partner_body, registry

pytestmark = pytest.mark.integration


async def _hospital_key(client: Any) -> str:
    for partner_id, kind in (("mercy-hospital", "hospital"), ("safe-streets", "cvi_org")):
        body = partner_body(partner_id=partner_id, kind=kind)
        assert (await client.post("/v1/admin/partners", json=body, headers=admin())).is_success
    grant = {"partner_id": "mercy-hospital", "stream": "referrals", "action": "publish"}
    assert (await client.post("/v1/admin/grants", json=grant, headers=admin())).is_success
    key = await client.post("/v1/admin/partners/mercy-hospital/keys", headers=admin())
    return str(key.json()["api_key"])


def _body(given_at: datetime | str, expires_at: datetime | str | None = None) -> dict[str, Any]:
    def text(value: datetime | str | None) -> str | None:
        return value.isoformat() if isinstance(value, datetime) else value

    return {
        "recipient_partner_ids": ["safe-streets"],
        "scope": ["contact"],
        "purpose": "violence intervention referral",
        "given_at": text(given_at),
        "expires_at": text(expires_at),
    }


async def test_consent_times_are_checked_and_each_refusal_names_its_field(
    kafka_bootstrap: str, make_database: Any
) -> None:
    now = datetime.now(UTC)
    cases = [
        (_body(now + timedelta(days=365)), "#/given_at", "in the future"),
        (_body("2026-01-01T10:00:00"), "#/given_at", "timezone"),
        (_body(now, "2999-01-01T10:00:00"), "#/expires_at", "timezone"),
        (_body(now - timedelta(days=1), now - timedelta(days=2)), "#/expires_at", "after"),
        (_body(now - timedelta(days=1), now - timedelta(days=1)), "#/expires_at", "after"),
    ]
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _hospital_key(client)
        for body, pointer, words in cases:
            refused = await client.post("/v1/consents", json=body, headers=bearer(key))
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            [error] = refused.json()["errors"]
            assert error["pointer"] == pointer and words in error["detail"], refused.json()
        past = _body(now - timedelta(days=10), now - timedelta(days=1))
        lapsed = await client.post("/v1/consents", json=past, headers=bearer(key))
        assert lapsed.status_code == 422 and "already past" in lapsed.json()["detail"]
        assert (await client.get("/v1/admin/consents", headers=admin())).json() == []

        # A clock a little ahead of the hub's is fine, and so is an expiry after the start.
        soon = _body(now + timedelta(minutes=2), now + timedelta(days=30))
        accepted = await client.post("/v1/consents", json=soon, headers=bearer(key))
        assert accepted.status_code == 201, accepted.text
