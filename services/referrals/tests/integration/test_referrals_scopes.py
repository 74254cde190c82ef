"""API key scopes at the referrals service: reading needs referrals:read, changing
needs referrals:update; a refused change changes nothing."""

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from referrals_builders import CVI_ORG, HOSPITAL, auth, submitted_event
from referrals_harness import referrals_hub

from cvihub_contracts import KafkaRecord, Scope, new_event, service_source, to_kafka
from cvihub_contracts.registry.changes_v1 import CredentialChangedV1, EntityStatus
from cvihub_registry_copy import hash_api_key
from cvihub_runtime.problems import PROBLEM_JSON
from cvihub_testkit import TestDatabase, eventually, produce

pytestmark = pytest.mark.integration

READ_KEY = f"cvh_read-{CVI_ORG}_read-only-key-of-the-org"
UPDATE_KEY = f"cvh_upd-{CVI_ORG}_update-only-key-of-the-org"


def _key_record(api_key: str, scopes: list[Scope]) -> KafkaRecord:
    return to_kafka(
        new_event(
            CredentialChangedV1(
                sequence=10,
                changed_at=datetime.now(UTC),
                status=EntityStatus.ACTIVE,
                credential_id=api_key.split("_")[1],
                partner_id=CVI_ORG,
                key_sha256=hash_api_key(api_key),
                scopes=scopes,
            ),
            source=service_source("registry"),
        )
    )


def _bearer(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def _assert_insufficient_scope(response: httpx.Response, scope: Scope) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"].endswith("/insufficient-scope")
    assert response.json()["required_scope"] == [scope.value]
    assert response.headers["www-authenticate"] == (
        f'Bearer error="insufficient_scope" scope="{scope.value}"'
    )


async def test_referrals_routes_check_the_key_scope(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with referrals_hub(kafka_bootstrap, make_database) as client:
        submitted = submitted_event()
        referral_id = str(submitted.data.referral_id)
        await produce(
            kafka_bootstrap,
            to_kafka(submitted),
            _key_record(READ_KEY, [Scope.REFERRALS_READ]),
            _key_record(UPDATE_KEY, [Scope.REFERRALS_UPDATE]),
        )

        async def visible() -> bool:
            path = f"/v1/referrals/{referral_id}"
            response = await client.get(path, headers=_bearer(READ_KEY))
            return response.status_code == 200

        await eventually(visible, timeout=20)
        await eventually(lambda: _answers_with(client, UPDATE_KEY, 403), timeout=20)

        listed = await client.get("/v1/referrals", headers=_bearer(READ_KEY))
        assert [r["referral_id"] for r in listed.json()] == [referral_id]
        changes = [
            ("accept", {"note": "on it"}),
            ("decline", {"reason": "declined-by-client", "note": "moved away"}),
            ("status", {"status": "accepted", "reason": "eligible", "note": "ok"}),
        ]
        for action, body in changes:
            refused = await client.post(
                f"/v1/referrals/{referral_id}/{action}", json=body, headers=_bearer(READ_KEY)
            )
            _assert_insufficient_scope(refused, Scope.REFERRALS_UPDATE)
        unchanged = await client.get(f"/v1/referrals/{referral_id}", headers=_bearer(READ_KEY))
        assert unchanged.json()["status"] == "requested"

        for path in ("/v1/referrals", f"/v1/referrals/{referral_id}"):
            _assert_insufficient_scope(
                await client.get(path, headers=_bearer(UPDATE_KEY)), Scope.REFERRALS_READ
            )
        accepted = await client.post(
            f"/v1/referrals/{referral_id}/accept", json={}, headers=_bearer(UPDATE_KEY)
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "accepted"

        # Full-scope keys (revision-0 style, no scopes) keep working as before.
        full = await client.get(f"/v1/referrals/{referral_id}", headers=auth(HOSPITAL))
        assert full.status_code == 200


async def _answers_with(client: httpx.AsyncClient, api_key: str, status: int) -> bool:
    response = await client.get("/v1/referrals", headers=_bearer(api_key))
    return response.status_code == status
