"""The `intake` fixture: the app running against the test's real broker and database."""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from intake_harness import IntakeHarness

from cvihub_intake.app import create_app
from cvihub_intake.settings import IntakeSettings
from cvihub_testkit import TestDatabase, running


@pytest.fixture
async def intake(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> AsyncIterator[IntakeHarness]:
    """Intake running with its lifespan: migrated, consuming the registry, relaying its outbox."""
    database = make_database("intake")
    settings = IntakeSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database.url,
        database_schema=database.schema,
        log_json=False,
    )
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield IntakeHarness(app=app, client=client, bootstrap=kafka_bootstrap)
