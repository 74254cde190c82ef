"""Small typed builders of the registry's test data."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_registry.app import create_app
from cvihub_registry.domain import (
    Credential,
    Grant,
    Partner,
    PartnerStatus,
    RevocableStatus,
    Subscription,
)
from cvihub_registry.settings import RegistrySettings
from cvihub_runtime.secretbox import new_fernet_key
from cvihub_testkit import TestDatabase, running

ADMIN_TOKEN = "test-admin-token-0123456789"
SECRET_KEY = new_fernet_key()
WEBHOOK_SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg5YWI="
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_settings(kafka: str, db: TestDatabase, **overrides: Any) -> RegistrySettings:
    """Settings pointing the registry at this test's broker and database."""
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka,
        "database_url": db.url,
        "database_schema": db.schema,
        "admin_token": ADMIN_TOKEN,
        "secret_key": SECRET_KEY,
        "log_json": False,
    }
    values.update(overrides)
    return RegistrySettings(**values)


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and give an in-process HTTP client."""
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@asynccontextmanager
async def registry(
    kafka: str, db: TestDatabase, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A running registry app and a client for it."""
    async with serving(create_app(make_settings(kafka, db, **overrides))) as client:
        yield client


def admin(token: str = ADMIN_TOKEN) -> dict[str, str]:
    """Headers of an admin call."""
    return {"Authorization": f"Bearer {token}"}


def bearer(api_key: str) -> dict[str, str]:
    """Headers of a partner call."""
    return {"Authorization": f"Bearer {api_key}"}


def partner_body(**overrides: Any) -> dict[str, Any]:
    """A POST /v1/admin/partners body."""
    body: dict[str, Any] = {
        "partner_id": "mercy-hospital",
        "name": "Mercy General Hospital",
        "kind": "hospital",
        "contact_email": "vip@mercy.example",
        "description": "Bedside violence intervention",
    }
    body.update(overrides)
    return body


def make_partner(**overrides: Any) -> Partner:
    """A Partner value."""
    values: dict[str, Any] = {
        "partner_id": "mercy-hospital",
        "name": "Mercy General Hospital",
        "kind": PartnerKind.HOSPITAL,
        "status": PartnerStatus.ACTIVE,
        "contact_email": None,
        "description": None,
        "sequence": 1,
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(overrides)
    return Partner(**values)


def make_credential(**overrides: Any) -> Credential:
    """A Credential value."""
    values: dict[str, Any] = {
        "credential_id": "0123456789ab",
        "partner_id": "mercy-hospital",
        "key_sha256": "a" * 64,
        "status": RevocableStatus.ACTIVE,
        "created_at": T0,
        "updated_at": T0,
        "expires_at": None,
        "revoked_at": None,
        "sequence": 2,
    }
    values.update(overrides)
    return Credential(**values)


def make_grant(**overrides: Any) -> Grant:
    """A Grant value."""
    values: dict[str, Any] = {
        "grant_id": "g" * 32,
        "partner_id": "mercy-hospital",
        "stream": Stream.REFERRALS,
        "action": GrantAction.PUBLISH,
        "status": RevocableStatus.ACTIVE,
        "purpose": None,
        "agreement_ref": None,
        "created_at": T0,
        "updated_at": T0,
        "revoked_at": None,
        "sequence": 3,
    }
    values.update(overrides)
    return Grant(**values)


def make_subscription(**overrides: Any) -> Subscription:
    """A Subscription value."""
    values: dict[str, Any] = {
        "subscription_id": "s" * 32,
        "partner_id": "mercy-hospital",
        "stream": Stream.REFERRALS,
        "url": "https://hooks.mercy.example/cvi",
        "secret_encrypted": "ciphertext",
        "status": RevocableStatus.ACTIVE,
        "created_at": T0,
        "updated_at": T0,
        "revoked_at": None,
        "sequence": 4,
    }
    values.update(overrides)
    return Subscription(**values)


def seed_yaml(*partners: str, key_suffix: str = "seeded-test-key-not-secret") -> str:
    """A seed file with one hospital partner per id, each with a key, two grants and a hook."""
    blocks = []
    for index, partner_id in enumerate(partners, start=1):
        blocks.append(
            f"""
  - partner_id: {partner_id}
    name: Partner {index}
    kind: hospital
    contact_email: ops@{partner_id}.example
    description: Seeded partner {index}
    api_keys: ["cvh_5eed{index:08x}_{key_suffix}"]
    grants:
      - {{stream: referrals, action: publish}}
      - {{stream: referrals, action: subscribe}}
    subscriptions:
      - stream: referrals
        url: http://127.0.0.1:8009/hooks/{partner_id}
        secret: {WEBHOOK_SECRET}
"""
        )
    return "partners:" + "".join(blocks)


def once_each(predicate: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A consume_until predicate counting each event id once (the outbox is at-least-once)."""
    seen: set[bytes] = set()

    def check(record: Any) -> bool:
        event_id = dict(record.headers).get("ce_id", b"")
        if event_id in seen or not predicate(record):
            return False
        seen.add(event_id)
        return True

    return check
