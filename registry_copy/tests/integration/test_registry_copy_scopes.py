"""The registry copy keeps each key's scopes; a key from before scopes may do everything."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import MetaData, text, update

from cvihub_contracts import ALL_SCOPES, Scope, new_event, service_source
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    EntityStatus,
    PartnerChangedV1,
    PartnerKind,
)
from cvihub_registry_copy import Principal, RegistryCopy, hash_api_key
from cvihub_runtime.db import create_engine, session_factory, transaction
from cvihub_testkit import TestDatabase, test_key_ring

pytestmark = pytest.mark.integration

metadata = MetaData()
registry_copy = RegistryCopy(metadata)
NOW = datetime.now(UTC)
NARROW_KEY = "cvh_narrow000001_scoped-key-not-a-secret"
OLD_KEY = "cvh_oldkey000002_revision-zero-key-not-a-secret"


@pytest.fixture
async def sessions(make_database: Callable[[str], TestDatabase]) -> AsyncIterator[Any]:
    db = make_database("replica_scopes")
    engine = create_engine(db.url, db.schema)
    if db.schema:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{db.schema}"'))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield session_factory(engine, test_key_ring())
    await engine.dispose()


def _credential(api_key: str, sequence: int, scopes: list[Scope] | None) -> CredentialChangedV1:
    return CredentialChangedV1(
        sequence=sequence,
        changed_at=NOW,
        status=EntityStatus.ACTIVE,
        credential_id=api_key.split("_")[1],
        partner_id="eastside",
        key_sha256=hash_api_key(api_key),
        scopes=scopes,
    )


async def _apply(sessions: Any, *changes: Any) -> None:
    async with transaction(sessions) as session:
        for data in changes:
            await registry_copy.apply(session, new_event(data, source=service_source("registry")))


async def _principal(sessions: Any, api_key: str) -> Principal | None:
    async with sessions() as session:
        return await registry_copy.authenticate(session, api_key)


PARTNER = PartnerChangedV1(
    sequence=1,
    changed_at=NOW,
    status=EntityStatus.ACTIVE,
    partner_id="eastside",
    name="Eastside CVI",
    kind=PartnerKind.CVI_ORG,
)


async def test_a_scoped_key_authenticates_with_exactly_its_scopes(sessions: Any) -> None:
    scopes = [Scope.REFERRALS_READ, Scope.DELIVERIES_READ]
    await _apply(sessions, PARTNER, _credential(NARROW_KEY, 2, scopes))

    principal = await _principal(sessions, NARROW_KEY)

    assert principal == Principal(
        partner_id="eastside", credential_id="narrow000001", scopes=frozenset(scopes)
    )
    assert principal.allows(Scope.REFERRALS_READ)
    assert not principal.allows(Scope.REFERRALS_UPDATE)


async def test_a_key_without_scopes_may_use_every_scope(sessions: Any) -> None:
    await _apply(sessions, PARTNER, _credential(OLD_KEY, 2, None))

    principal = await _principal(sessions, OLD_KEY)

    assert principal is not None
    assert principal.scopes == ALL_SCOPES


async def test_a_newer_change_replaces_the_scopes_and_an_older_one_does_not(
    sessions: Any,
) -> None:
    await _apply(sessions, PARTNER, _credential(NARROW_KEY, 5, [Scope.REFERRALS_READ]))
    await _apply(sessions, _credential(NARROW_KEY, 4, None))  # late, older: ignored
    stale = await _principal(sessions, NARROW_KEY)
    await _apply(sessions, _credential(NARROW_KEY, 6, [Scope.ALERTS_PUBLISH]))
    fresh = await _principal(sessions, NARROW_KEY)

    assert stale is not None and stale.scopes == {Scope.REFERRALS_READ}
    assert fresh is not None and fresh.scopes == {Scope.ALERTS_PUBLISH}


async def test_a_scope_name_this_copy_does_not_know_grants_nothing(sessions: Any) -> None:
    # A newer registry may know scopes this service does not: default deny, not a crash.
    await _apply(sessions, PARTNER, _credential(NARROW_KEY, 2, [Scope.REFERRALS_READ]))
    async with transaction(sessions) as session:
        await session.execute(
            update(registry_copy.credentials).values(scopes=["referrals:read", "future:thing"])
        )

    principal = await _principal(sessions, NARROW_KEY)

    assert principal is not None
    assert principal.scopes == {Scope.REFERRALS_READ}
