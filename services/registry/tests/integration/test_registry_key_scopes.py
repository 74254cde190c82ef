"""API key scopes in the registry: issued, shown, carried by the event, kept on rotation."""

from collections.abc import Callable
from typing import Any

import pytest
from registry_builders import admin, bearer, partner_body, registry
from sqlalchemy import MetaData, text

from cvihub_contracts import ALL_SCOPES, Scope, from_kafka, topics
from cvihub_contracts.registry.changes_v1 import CredentialChangedV1, PartnerChangedV1
from cvihub_registry_copy import RegistryCopy
from cvihub_runtime.db import create_engine, session_factory, transaction
from cvihub_testkit import TestDatabase, consume_until, test_key_ring

pytestmark = pytest.mark.integration

KEYS = "/v1/admin/partners/mercy-hospital/keys"
NARROW = ["referrals:submit", "deliveries:read"]
EVERY = [scope.value for scope in Scope]


def _changes_of(kind: type, match: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def check(record: Any) -> bool:
        data = from_kafka(dict(record.headers), record.key, record.value).data
        return isinstance(data, kind) and match(data)

    return check


async def test_a_key_issued_with_scopes_carries_them_to_a_service_copy(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        narrow = await client.post(KEYS, json={"scopes": NARROW}, headers=admin())
        full = await client.post(KEYS, headers=admin())
        listed = (await client.get(KEYS, headers=admin())).json()
        # Read the events while the registry runs: its relay publishes them after the commit.
        wanted = {narrow.json()["credential_id"], full.json()["credential_id"]}
        records = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            _changes_of(CredentialChangedV1, lambda d: d.credential_id in wanted),
            count=2,
        )
        [partner_record] = await consume_until(
            kafka_bootstrap, topics.REGISTRY, _changes_of(PartnerChangedV1, lambda d: True)
        )

    assert narrow.status_code == 201, narrow.text
    assert narrow.json()["scopes"] == NARROW
    assert full.json()["scopes"] == EVERY
    scopes_of = {k["credential_id"]: k["scopes"] for k in listed}
    assert scopes_of == {
        narrow.json()["credential_id"]: NARROW,
        full.json()["credential_id"]: EVERY,
    }
    events = [from_kafka(dict(r.headers), r.key, r.value) for r in records]
    carried = {e.data.credential_id: e.data.scopes for e in events}
    assert carried[narrow.json()["credential_id"]] == [Scope(s) for s in NARROW]
    assert carried[full.json()["credential_id"]] is None  # every scope, as revision 0 meant

    # A service's copy applies them: the narrow key authenticates with its two scopes only.
    db = make_database("copy")
    metadata = MetaData()
    registry_copy = RegistryCopy(metadata)
    engine = create_engine(db.url, db.schema)
    try:
        if db.schema:
            async with engine.begin() as connection:
                await connection.execute(text(f'CREATE SCHEMA "{db.schema}"'))
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        sessions = session_factory(engine, test_key_ring())  # the copy seals what it must
        partner_event = from_kafka(
            dict(partner_record.headers), partner_record.key, partner_record.value
        )
        async with transaction(sessions) as session:
            for event in (partner_event, *events):
                await registry_copy.apply(session, event)
        async with sessions() as session:
            narrow_principal = await registry_copy.authenticate(session, narrow.json()["api_key"])
            full_principal = await registry_copy.authenticate(session, full.json()["api_key"])
    finally:
        await engine.dispose()
    assert narrow_principal is not None
    assert narrow_principal.scopes == {Scope.REFERRALS_SUBMIT, Scope.DELIVERIES_READ}
    assert full_principal is not None and full_principal.scopes == ALL_SCOPES


@pytest.mark.parametrize(
    ("scopes", "pointer"),
    [(["referrals:read", "referrals:delete"], "#/scopes/1"), ([], "#/scopes")],
)
async def test_an_unknown_scope_or_an_empty_list_is_422(
    kafka_bootstrap: str, make_database: Any, scopes: list[str], pointer: str
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        refused = await client.post(KEYS, json={"scopes": scopes}, headers=admin())
        listed = (await client.get(KEYS, headers=admin())).json()

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert pointer in [error["pointer"] for error in refused.json()["errors"]]
    assert listed == []  # nothing was issued


async def test_rotation_keeps_the_scopes_unless_new_ones_are_given(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        mine = ["referrals:submit", "directory:read", "profile:manage"]  # vocabulary order
        old = (await client.post(KEYS, json={"scopes": mine}, headers=admin())).json()

        kept = await client.post("/v1/partners/me/keys/rotate", headers=bearer(old["api_key"]))
        narrowed = await client.post(
            "/v1/partners/me/keys/rotate",
            json={"scopes": ["profile:manage"]},
            headers=bearer(kept.json()["api_key"]),
        )
        # A narrow key cannot rotate itself into a wider one.
        wider = await client.post(
            "/v1/partners/me/keys/rotate",
            json={"scopes": ["profile:manage", "alerts:publish"]},
            headers=bearer(narrowed.json()["api_key"]),
        )
        by_admin = await client.post(
            f"/v1/admin/keys/{narrowed.json()['credential_id']}/rotate", headers=admin()
        )
        widened_by_admin = await client.post(
            f"/v1/admin/keys/{by_admin.json()['credential_id']}/rotate",
            json={"scopes": ["alerts:publish", "profile:manage"]},
            headers=admin(),
        )
        # Issuing yourself a key: omitted = the calling key's own scopes, never more.
        self_issued = await client.post(
            "/v1/partners/me/keys", headers=bearer(kept.json()["api_key"])
        )
        self_wider = await client.post(
            "/v1/partners/me/keys",
            json={"scopes": ["alerts:publish"]},
            headers=bearer(kept.json()["api_key"]),
        )
        audit = (await client.get("/v1/admin/audit?limit=50", headers=admin())).json()
        verified = (await client.get("/v1/admin/audit/verify", headers=admin())).json()

    assert kept.status_code == 201 and kept.json()["scopes"] == mine
    assert narrowed.status_code == 201 and narrowed.json()["scopes"] == ["profile:manage"]
    assert wider.status_code == 403
    assert wider.json()["type"].endswith("/insufficient-scope")
    assert "alerts:publish" in wider.json()["detail"]
    assert by_admin.json()["scopes"] == ["profile:manage"]
    assert widened_by_admin.json()["scopes"] == ["alerts:publish", "profile:manage"]
    assert self_issued.status_code == 201 and self_issued.json()["scopes"] == mine
    assert self_wider.status_code == 403
    refusals = [
        e["detail"]["required_scopes"]
        for e in audit
        if e["action"] == "access.refused" and e["detail"].get("reason") == "insufficient-scope"
    ]
    assert sorted(refusals) == [["alerts:publish"], ["alerts:publish"]]
    assert verified["ok"] is True
