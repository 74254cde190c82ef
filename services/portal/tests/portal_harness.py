"""A portal core on a real, migrated database, with the other services answered in-process."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from cvihub_portal.app import MIGRATIONS_DIR
from cvihub_portal.clients import HubClients
from cvihub_portal.service import Person, PortalCore
from cvihub_runtime.db import create_engine, session_factory
from cvihub_runtime.migrations import upgrade
from cvihub_runtime.secretbox import SecretBox, new_fernet_key
from cvihub_testkit import TestDatabase, test_key_ring

WORKER = Person(
    person_id="psn_worker",
    partner_id="safe-streets",
    partner_name="Safe Streets",
    display_name="Worker",
    role="outreach_worker",
    zones=["north"],
)


@asynccontextmanager
async def portal_core(
    database: TestDatabase, upstream: Callable[[httpx.Request], httpx.Response]
) -> AsyncIterator[PortalCore]:
    """The portal's use cases over `database`; `upstream` answers every outbound call."""
    engine = create_engine(database.url, database.schema)
    await upgrade(engine, MIGRATIONS_DIR, database.schema)
    clients = HubClients(
        registry="http://registry",
        intake="http://intake",
        referrals="http://referrals",
        notifications="http://notifications",
        admin_token="admin",
        timeout=5,
        transport=httpx.MockTransport(upstream),
    )
    try:
        yield PortalCore(
            sessions=session_factory(engine, test_key_ring()),
            clients=clients,
            box=SecretBox(new_fernet_key()),
            session_check_seconds=15,
        )
    finally:
        await clients.close()
        await engine.dispose()
