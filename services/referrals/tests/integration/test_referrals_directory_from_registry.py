"""The registry's directory, as the registry publishes it, reaches referrals' copy: a network
referral is offered to the organisations whose entry matches, and to no other."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from referrals_builders import make_submitted, submitted_event
from sqlalchemy import select

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.codes import CviService
from cvihub_contracts.referral.network_v1 import NETWORK_RECIPIENT, NetworkCriteria
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import Consent, Urgency
from cvihub_referrals import service
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.models import outbox, registry_copy
from cvihub_registry.app import create_app
from cvihub_registry.settings import RegistrySettings
from cvihub_registry_copy import MIGRATIONS as registry_copy_migrations
from cvihub_runtime.db import bind_key_ring, create_engine, session_factory, transaction
from cvihub_runtime.migrations import upgrade
from cvihub_runtime.secretbox import new_fernet_key
from cvihub_testkit import consume_until, running, test_key_ring

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": "Bearer test-admin-token-0123456789"}
ORGS = {
    # partner id: (zones, directory entry)
    "reg-west-a": (["west"], {"cvi_services": ["mentoring"], "languages": ["es", "en"]}),
    "reg-west-b": (["west"], {"cvi_services": ["mentoring", "housing"], "languages": ["en-US"]}),
    "reg-west-housing": (["west"], {"cvi_services": ["housing"], "languages": ["en"]}),
    "reg-west-french": (["west"], {"cvi_services": ["mentoring"], "languages": ["fr"]}),
    "reg-east": (["east"], {"cvi_services": ["mentoring"], "languages": ["en"]}),
}


async def _registry_publishes(kafka: str, db: Any, sessions: Any) -> None:
    """A real registry takes the organisations; referrals' copy reads them from the broker."""
    settings = RegistrySettings(
        kafka_bootstrap_servers=kafka,
        database_url=db.url,
        database_schema=db.schema,
        admin_token=ADMIN["Authorization"].removeprefix("Bearer "),
        secret_key=new_fernet_key(),
        log_json=False,
    )
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for partner_id, (zones, entry) in ORGS.items():
                body = {"partner_id": partner_id, "name": partner_id, "kind": "cvi_org"}
                made = await client.post(
                    "/v1/admin/partners", json=body | {"zones": zones} | entry, headers=ADMIN
                )
                assert made.status_code == 201, made.text
            # Read while the registry runs: its outbox relay publishes in the background.
            await _copy_from_broker(kafka, sessions)


async def _copy_from_broker(kafka: str, sessions: Any) -> None:
    """What referrals' registry handler does with each change: apply it to the copy."""
    wanted = {f"partners/{p}".encode() for p in ORGS} | {
        f"partners/{p}/directory".encode() for p in ORGS
    }
    records = await consume_until(
        kafka,
        topics.REGISTRY,
        lambda r: dict(r.headers).get("ce_subject") in wanted,
        count=len(wanted),
    )
    async with transaction(sessions) as session:
        for record in records:
            await registry_copy.apply(
                session, from_kafka(dict(record.headers), record.key, record.value)
            )


@pytest.fixture
async def sessions(make_database: Any) -> AsyncIterator[Any]:
    db = make_database("referrals")
    engine = create_engine(db.url, db.schema)
    await upgrade(engine, MIGRATIONS_DIR, db.schema, shared=[registry_copy_migrations])
    factory = session_factory(engine)
    bind_key_ring(factory, test_key_ring())
    try:
        yield factory
    finally:
        await engine.dispose()


async def test_a_network_referral_is_offered_to_the_orgs_the_registry_lists(
    kafka_bootstrap: str, make_database: Any, sessions: Any
) -> None:
    await _registry_publishes(kafka_bootstrap, make_database("registry"), sessions)

    at = datetime.now(UTC)
    data = make_submitted(
        submitted_at=at,
        recipient_partner_id=NETWORK_RECIPIENT,
        urgency=Urgency.URGENT,
        requested_services=["mentoring"],
        consent=Consent(
            consented_by="patient",
            consented_at=at,
            recipient_partner_ids=[NETWORK_RECIPIENT],
            scope=["contact"],
        ),
        network=NetworkCriteria(services=[CviService.MENTORING], zone="west", language="en"),
    )
    async with transaction(sessions) as session:
        await service.record_submission(session=session, event=submitted_event(data))

    async with sessions() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
    offered = []
    for row in rows:
        event = from_kafka(
            {k: v.encode() for k, v in row.headers.items()},
            bytes(row.key),
            test_key_ring().open(bytes(row.value)),
        )
        if isinstance(event.data, ReferralStatusChangedV1) and event.data.offer is not None:
            offered.append(event.data.recipient_partner_id)
    # Mentoring, in the west, in English (en-US speaks en): not housing-only, French or east.
    assert sorted(offered) == ["reg-west-a", "reg-west-b"]
