"""The registry copy refuses a key once its expiry (e.g. the end of a rotation grace) passes."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, text

from cvihub_contracts import new_event, service_source
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    EntityStatus,
    PartnerChangedV1,
    PartnerKind,
)
from cvihub_registry_copy import RegistryCopy, hash_api_key
from cvihub_runtime.db import create_engine, session_factory, transaction
from cvihub_testkit import TestDatabase, test_key_ring

pytestmark = pytest.mark.integration

metadata = MetaData()
registry_copy = RegistryCopy(metadata)
NOW = datetime.now(UTC)
OLD_KEY = "cvh_0ldkey000001_rotated-out-key-not-a-secret"
NEW_KEY = "cvh_newkey000002_successor-key-not-a-secret"


@pytest.fixture
async def sessions(make_database: Callable[[str], TestDatabase]) -> AsyncIterator[Any]:
    db = make_database("replica")
    engine = create_engine(db.url, db.schema)
    if db.schema:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{db.schema}"'))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield session_factory(engine, test_key_ring())
    await engine.dispose()


def _credential(
    api_key: str, sequence: int, expires_at: datetime | None = None
) -> CredentialChangedV1:
    return CredentialChangedV1(
        sequence=sequence,
        changed_at=NOW,
        status=EntityStatus.ACTIVE,
        credential_id=api_key.split("_")[1],
        partner_id="mercy",
        key_sha256=hash_api_key(api_key),
        expires_at=expires_at,
    )


async def _apply(sessions: Any, *changes: Any) -> None:
    async with transaction(sessions) as session:
        for data in changes:
            await registry_copy.apply(session, new_event(data, source=service_source("registry")))


async def _who(sessions: Any, api_key: str) -> str | None:
    async with sessions() as session:
        principal = await registry_copy.authenticate(session, api_key)
    return principal.partner_id if principal else None


async def test_a_rotated_key_works_until_its_expiry_then_is_refused(sessions: Any) -> None:
    partner = PartnerChangedV1(
        sequence=1,
        changed_at=NOW,
        status=EntityStatus.ACTIVE,
        partner_id="mercy",
        name="Mercy",
        kind=PartnerKind.HOSPITAL,
    )
    await _apply(sessions, partner, _credential(OLD_KEY, 2), _credential(NEW_KEY, 3))
    assert await _who(sessions, OLD_KEY) == "mercy"

    # Rotation: the old key gets an expiry (still ahead), then one that has passed.
    await _apply(sessions, _credential(OLD_KEY, 4, expires_at=NOW + timedelta(hours=1)))
    assert await _who(sessions, OLD_KEY) == "mercy"
    await _apply(sessions, _credential(OLD_KEY, 5, expires_at=NOW - timedelta(seconds=1)))
    assert await _who(sessions, OLD_KEY) is None
    assert await _who(sessions, NEW_KEY) == "mercy"
