"""The `intake` fixture: the app running against the test's real broker and database."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from intake_harness import IntakeHarness, MakeIntake

from cvihub_intake.app import create_app
from cvihub_intake.settings import IntakeSettings
from cvihub_testkit import TestDatabase, running


@pytest.fixture
def make_intake(kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]) -> MakeIntake:
    """Intake with some settings changed, running with its lifespan: migrated, consuming the
    registry, relaying its outbox."""

    @asynccontextmanager
    async def started(**overrides: Any) -> AsyncIterator[IntakeHarness]:
        database = make_database("intake")
        settings = IntakeSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database.url,
            database_schema=database.schema,
            log_json=False,
            **overrides,
        )
        app = create_app(settings)
        async with running(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield IntakeHarness(app=app, client=client, bootstrap=kafka_bootstrap)

    return started


@pytest.fixture
async def intake(make_intake: MakeIntake) -> AsyncIterator[IntakeHarness]:
    """Intake running with its default settings."""
    async with make_intake() as harness:
        yield harness
