"""Entities map to the contract change events; genuine keys are refused for the right reason."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from registry_builders import (
    T0,
    make_credential,
    make_grant,
    make_partner,
    make_subscription,
)

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    EntityStatus,
    GrantChangedV1,
    PartnerChangedV1,
    SubscriptionChangedV1,
)
from cvihub_registry.domain import PartnerStatus, RevocableStatus
from cvihub_registry.events import change_of, change_record
from cvihub_registry.keys.auth import refusal_reason


@pytest.mark.parametrize(
    ("entity", "model", "key", "subject"),
    [
        (make_partner(sequence=7), PartnerChangedV1, "partner/mercy-hospital", "partners/"),
        (
            make_credential(sequence=7),
            CredentialChangedV1,
            "credential/0123456789ab",
            "credentials/",
        ),
        (make_grant(sequence=7), GrantChangedV1, "grant/" + "g" * 32, "grants/"),
        (
            make_subscription(sequence=7),
            SubscriptionChangedV1,
            "subscription/" + "s" * 32,
            "subscriptions/",
        ),
    ],
)
def test_each_entity_becomes_its_change_event(
    entity: Any, model: type, key: str, subject: str
) -> None:
    data = change_of(entity)
    assert type(data) is model
    assert data.sequence == 7
    assert data.status is EntityStatus.ACTIVE
    assert data.changed_at == T0
    assert data.partition_key() == key

    record = change_record(entity, correlation_id="corr-1")
    assert record.topic == topics.REGISTRY
    assert record.key == key.encode()
    assert record.headers["ce_source"] == b"urn:cvihub:service:registry"
    assert record.headers["ce_correlationid"] == b"corr-1"
    assert record.headers["ce_subject"].decode().startswith(subject)
    assert from_kafka(record.headers, record.key, record.value).data == data


def test_statuses_map_to_entity_status() -> None:
    suspended = change_of(make_partner(status=PartnerStatus.SUSPENDED))
    revoked_key = change_of(make_credential(status=RevocableStatus.REVOKED, updated_at=T0))
    revoked_grant = change_of(make_grant(status=RevocableStatus.REVOKED))
    revoked_sub = change_of(make_subscription(status=RevocableStatus.REVOKED))
    assert suspended.status is EntityStatus.SUSPENDED
    assert {revoked_key.status, revoked_grant.status, revoked_sub.status} == {EntityStatus.REVOKED}


def test_fields_are_carried_exactly() -> None:
    credential = change_of(make_credential(expires_at=T0, key_sha256="b" * 64))
    assert isinstance(credential, CredentialChangedV1)
    assert (credential.partner_id, credential.key_sha256, credential.expires_at) == (
        "mercy-hospital",
        "b" * 64,
        T0,
    )
    subscription = change_of(make_subscription(secret_encrypted="gAAAA-cipher"))
    assert isinstance(subscription, SubscriptionChangedV1)
    assert subscription.secret_encrypted == "gAAAA-cipher"
    assert subscription.url == "https://hooks.mercy.example/cvi"


def test_every_record_gets_a_fresh_event_id() -> None:
    partner = make_partner()
    first, second = change_record(partner), change_record(partner)
    assert first.headers["ce_id"] != second.headers["ce_id"]
    assert first.value == second.value  # same state, same sequence: replicas keep one


def test_refusal_reasons_of_a_genuine_key() -> None:
    partner = make_partner()
    future, past = datetime.now(UTC) + timedelta(days=1), datetime.now(UTC) - timedelta(seconds=1)
    assert refusal_reason(make_credential(expires_at=future), partner) is None
    assert refusal_reason(make_credential(expires_at=past), partner) == "expired-key"
    revoked = make_credential(status=RevocableStatus.REVOKED)
    assert refusal_reason(revoked, partner) == "revoked-key"
    suspended = make_partner(status=PartnerStatus.SUSPENDED)
    assert refusal_reason(make_credential(), suspended) == "partner-suspended"
    assert refusal_reason(make_credential(), None) == "partner-suspended"


def test_a_partners_contact_address_travels_to_the_copies() -> None:
    # Notifications mails its operational notices there (PartnerChangedV1 revision 3).
    data = change_of(make_partner(contact_email="admin@mercy.example"))
    assert isinstance(data, PartnerChangedV1)
    assert data.contact_email == "admin@mercy.example"
    assert change_of(make_partner(contact_email=None)).contact_email is None  # type: ignore[union-attr]
