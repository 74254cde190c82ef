"""Rotating a key: a new key at once, the old one works for the grace period, then is refused."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from registry_builders import admin, bearer, partner_body, registry

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import CredentialChangedV1
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration

GRACE = 1  # second: long enough to use the old key once more, short enough to wait out


async def test_partner_rotation_keeps_the_old_key_for_the_grace(
    kafka_bootstrap: str, make_database: Any
) -> None:
    db = make_database("registry")
    async with registry(kafka_bootstrap, db, key_rotation_grace_seconds=GRACE) as client:
        await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        old = (await client.post("/v1/admin/partners/mercy-hospital/keys", headers=admin())).json()

        rotated = await client.post("/v1/partners/me/keys/rotate", headers=bearer(old["api_key"]))
        assert rotated.status_code == 201
        new = rotated.json()
        assert new["replaced_credential_id"] == old["credential_id"]
        assert new["api_key"] != old["api_key"] and new["expires_at"] is None
        deadline = datetime.fromisoformat(new["replaced_expires_at"])

        # Within the grace both keys work; the listing shows the old key's new expiry.
        for key in (old["api_key"], new["api_key"]):
            assert (await client.get("/v1/partners/me", headers=bearer(key))).status_code == 200
        keys = (await client.get("/v1/partners/me/keys", headers=bearer(new["api_key"]))).json()
        expiry = {k["credential_id"]: k["expires_at"] for k in keys}
        assert datetime.fromisoformat(expiry[old["credential_id"]]) == deadline
        assert expiry[new["credential_id"]] is None

        await asyncio.sleep(GRACE + 0.2)
        refused = await client.get("/v1/partners/me", headers=bearer(old["api_key"]))
        assert refused.status_code == 401
        assert (await client.get("/v1/partners/me", headers=bearer(new["api_key"]))).is_success

        audit = (await client.get("/v1/admin/audit?limit=20", headers=admin())).json()
        rotation = next(e for e in audit if e["action"] == "credential.rotated")
        assert rotation["entity_id"] == old["credential_id"]
        assert rotation["detail"]["replaced_by"] == new["credential_id"]
        reasons = [e["detail"].get("reason") for e in audit if e["action"] == "auth.refused"]
        assert reasons == ["expired-key"]

    # Replicas learn the old key's expiry from the registry stream.
    def carries_expiry(record: Any) -> bool:
        event = from_kafka(dict(record.headers), record.key, record.value)
        data = event.data
        return isinstance(data, CredentialChangedV1) and data.expires_at == deadline

    [record] = await consume_until(kafka_bootstrap, topics.REGISTRY, carries_expiry)
    assert (
        from_kafka(dict(record.headers), record.key, record.value).data.credential_id
        == (old["credential_id"])
    )


async def test_admin_rotation_keeps_an_earlier_expiry(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        soon = (datetime.now().astimezone() + timedelta(hours=1)).isoformat()
        old = (
            await client.post(
                "/v1/admin/partners/mercy-hospital/keys",
                json={"expires_at": soon},
                headers=admin(),
            )
        ).json()

        url = f"/v1/admin/keys/{old['credential_id']}/rotate"
        rotated = await client.post(url, headers=admin())
        assert rotated.status_code == 201
        # The default grace is a day: the key's own expiry in an hour comes first and stays.
        kept = datetime.fromisoformat(rotated.json()["replaced_expires_at"])
        assert kept == datetime.fromisoformat(old["expires_at"])

        await client.delete(f"/v1/admin/keys/{old['credential_id']}", headers=admin())
        assert (await client.post(url, headers=admin())).status_code == 409
        unknown = await client.post("/v1/admin/keys/ffffffffffff/rotate", headers=admin())
        assert unknown.status_code == 404
        assert (
            await client.post(url, headers=bearer(rotated.json()["api_key"]))
        ).status_code == 401
