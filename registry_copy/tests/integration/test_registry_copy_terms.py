"""The registry copy keeps each grant's terms and honours its period in force."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, select, text

from cvihub_contracts import Classification, GrantAction, Stream, new_event, service_source
from cvihub_contracts.registry.changes_v1 import (
    EntityStatus,
    GrantChangedV1,
    PartnerChangedV1,
    PartnerKind,
    SubscriptionChangedV1,
)
from cvihub_registry_copy import GrantTerms, RegistryCopy
from cvihub_runtime.db import create_engine, session_factory, transaction
from cvihub_runtime.secretbox import SEALED_PREFIX
from cvihub_testkit import TestDatabase, test_key_ring

pytestmark = pytest.mark.integration

metadata = MetaData()
registry_copy = RegistryCopy(metadata)
NOW = datetime.now(UTC)
CHANGED = {"changed_at": NOW, "status": EntityStatus.ACTIVE}


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


def _grant(grant_id: str, partner_id: str, sequence: int, **terms: Any) -> GrantChangedV1:
    return GrantChangedV1(
        sequence=sequence,
        grant_id=grant_id,
        partner_id=partner_id,
        stream=Stream.INCIDENT_ALERTS,
        action=GrantAction.SUBSCRIBE,
        **CHANGED,
        **terms,
    )


async def _apply(sessions: Any, *changes: Any) -> None:
    async with transaction(sessions) as session:
        for data in changes:
            await registry_copy.apply(session, new_event(data, source=service_source("registry")))


async def _partner(sessions: Any, partner_id: str) -> None:
    await _apply(
        sessions,
        PartnerChangedV1(
            sequence=1, partner_id=partner_id, name=partner_id, kind=PartnerKind.CVI_ORG, **CHANGED
        ),
        SubscriptionChangedV1(
            sequence=2,
            subscription_id=f"sub-{partner_id}",
            partner_id=partner_id,
            stream=Stream.INCIDENT_ALERTS,
            url=f"sms:+1555010{len(partner_id):04d}",
            secret_encrypted="x",
            **CHANGED,
        ),
    )


async def test_grants_outside_their_period_are_not_in_force(sessions: Any) -> None:
    for partner in ("current", "future", "expired"):
        await _partner(sessions, partner)
    hour = timedelta(hours=1)
    await _apply(
        sessions,
        _grant("g-current", "current", 3, starts_at=NOW - hour, expires_at=NOW + hour),
        _grant("g-future", "future", 3, starts_at=NOW + hour),
        _grant("g-expired", "expired", 3, expires_at=NOW - hour),
    )

    async with sessions() as session:
        granted = {
            p: await registry_copy.is_granted(
                session, p, Stream.INCIDENT_ALERTS, GrantAction.SUBSCRIBE
            )
            for p in ("current", "future", "expired")
        }
        subscribers = await registry_copy.subscribers(session, Stream.INCIDENT_ALERTS)
        terms = await registry_copy.grant_terms(session, "expired", Stream.INCIDENT_ALERTS)

    assert granted == {"current": True, "future": False, "expired": False}
    assert [s.partner_id for s in subscribers] == ["current"]
    assert terms is None


async def test_an_endpoint_is_sealed_in_the_copy_and_read_as_given(sessions: Any) -> None:
    await _partner(sessions, "current")
    await _apply(sessions, _grant("g-current", "current", 3))

    async with sessions() as session:
        stored = await session.scalar(select(registry_copy.subscriptions.c.url))
        subscribers = await registry_copy.subscribers(session, Stream.INCIDENT_ALERTS)

    assert stored is not None and "+1555" not in stored
    assert stored.startswith(SEALED_PREFIX.decode())
    assert [s.url for s in subscribers] == ["sms:+15550100007"]


async def test_terms_are_kept_and_a_newer_change_replaces_them(sessions: Any) -> None:
    await _partner(sessions, "cvi-1")
    view = [Classification.PUBLIC]
    await _apply(sessions, _grant("g-1", "cvi-1", 3, zones=["north"], field_view=view))

    async with sessions() as session:
        first = await registry_copy.grant_terms(session, "cvi-1", Stream.INCIDENT_ALERTS)
    await _apply(
        sessions,
        _grant("g-1", "cvi-1", 5, zones=["north", "east"]),
        _grant("g-1", "cvi-1", 4, zones=["stale"]),  # older sequence: ignored
    )
    async with sessions() as session:
        second = await registry_copy.grant_terms(session, "cvi-1", Stream.INCIDENT_ALERTS)

    assert first == GrantTerms(zones=frozenset({"north"}), field_view=frozenset(view))
    assert second == GrantTerms(zones=frozenset({"north", "east"}), field_view=None)


async def test_a_partners_contact_address_is_sealed_in_the_copy_and_read_as_given(
    sessions: Any,
) -> None:
    await _apply(
        sessions,
        PartnerChangedV1(
            sequence=1,
            partner_id="cvi-1",
            name="cvi-1",
            kind=PartnerKind.CVI_ORG,
            contact_email="director.lopez@cvi-1.example",
            **CHANGED,
        ),
    )
    async with sessions() as session:
        stored = await session.scalar(select(registry_copy.partners.c.contact_email))
        address = await registry_copy.contact_email(session, "cvi-1")

    assert stored is not None and "lopez" not in stored
    assert stored.startswith(SEALED_PREFIX.decode())
    assert address == "director.lopez@cvi-1.example"
