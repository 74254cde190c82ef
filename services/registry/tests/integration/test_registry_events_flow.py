"""Admin changes over HTTP reach the registry topic as contract events, in sequence order."""

from typing import Any

import pytest
from registry_builders import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    admin,
    bearer,
    once_each,
    partner_body,
    registry,
)

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    EntityStatus,
    GrantChangedV1,
    PartnerChangedV1,
    SubscriptionChangedV1,
)
from cvihub_runtime.secretbox import SecretBox
from cvihub_testkit import consume_until, dump_database, plaintext_in

pytestmark = pytest.mark.integration


def _headers(record: Any) -> dict[str, bytes]:
    return dict(record.headers)


def _is_type(event_type: str) -> Any:
    return lambda r: _headers(r).get("ce_type") == event_type.encode()


async def test_changes_are_published_with_increasing_sequences(
    kafka_bootstrap: str, make_database: Any
) -> None:
    db = make_database("registry")
    async with registry(kafka_bootstrap, db) as client:
        created = await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        assert created.status_code == 201, created.text
        key = await client.post("/v1/admin/partners/mercy-hospital/keys", headers=admin())
        assert key.status_code == 201
        api_key = key.json()["api_key"]
        credential_id = key.json()["credential_id"]
        assert api_key.startswith(f"cvh_{credential_id}_")
        grant = await client.post(
            "/v1/admin/grants",
            json={"partner_id": "mercy-hospital", "stream": "referrals", "action": "publish"},
            headers=admin(),
        )
        assert grant.status_code == 201
        sub = await client.post(
            "/v1/admin/partners/mercy-hospital/subscriptions",
            json={"stream": "referrals", "url": "https://hooks.mercy.example/cvi"},
            headers=admin(),
        )
        assert sub.status_code == 201
        generated_secret = sub.json()["secret"]
        assert generated_secret.startswith("whsec_")

        wanted = {
            PartnerChangedV1.event_type,
            CredentialChangedV1.event_type,
            GrantChangedV1.event_type,
            SubscriptionChangedV1.event_type,
        }
        records = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            once_each(lambda r: _headers(r).get("ce_type", b"").decode() in wanted),
            count=4,
        )
        # The topic has several partitions (key = entity), so order comes from the sequence.
        decoded = [(from_kafka(_headers(r), r.key, r.value), r) for r in records]
        decoded.sort(key=lambda pair: pair[0].data.sequence)  # type: ignore[attr-defined]
        events = [event for event, _ in decoded]
        records = [record for _, record in decoded]
        assert [type(e.data) for e in events] == [
            PartnerChangedV1,
            CredentialChangedV1,
            GrantChangedV1,
            SubscriptionChangedV1,
        ]
        sequences = [e.data.sequence for e in events]  # type: ignore[attr-defined]
        assert len(set(sequences)) == 4 and min(sequences) >= 1
        for event, record in zip(events, records, strict=True):
            assert event.envelope.source == "urn:cvihub:service:registry"
            assert _headers(record)["ce_specversion"] == b"1.0"
            assert record.key == event.envelope.partitionkey.encode()
            assert api_key not in record.value.decode()
            assert generated_secret not in record.value.decode()
        subscription_event = events[3].data
        assert isinstance(subscription_event, SubscriptionChangedV1)
        assert SecretBox(SECRET_KEY).decrypt(subscription_event.secret_encrypted) == (
            generated_secret
        )

        revoked = await client.delete(f"/v1/admin/keys/{credential_id}", headers=admin())
        assert revoked.status_code == 204
        revocations = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            lambda r: _is_type(CredentialChangedV1.event_type)(r) and b'"revoked"' in r.value,
        )
        revocation = from_kafka(_headers(revocations[0]), revocations[0].key, revocations[0].value)
        assert isinstance(revocation.data, CredentialChangedV1)
        assert revocation.data.status is EntityStatus.REVOKED
        assert revocation.data.sequence > max(sequences)
        assert (await client.get("/v1/partners/me", headers=bearer(api_key))).status_code == 401

        database = await dump_database(db)
        assert plaintext_in(database, [credential_id])  # the dump holds the registry's rows
        secrets = [api_key, api_key.split("_", 2)[2], generated_secret, WEBHOOK_SECRET]
        assert plaintext_in(database, secrets) == []
