"""Intake answers a partner over its rate limit with 429, Retry-After and RateLimit-* headers;
other partners go on unhindered."""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from intake_builders import bulletin_body, make_partner
from intake_harness import IntakeHarness

from cvihub_contracts import Stream
from cvihub_intake.app import create_app
from cvihub_intake.ratelimit import RateLimit
from cvihub_intake.settings import IntakeSettings
from cvihub_testkit import TestDatabase, eventually, produce, running

pytestmark = pytest.mark.integration


@pytest.fixture
async def limited_intake(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> AsyncIterator[IntakeHarness]:
    """Intake where the partner "tight" may make 40 requests at once, then 1 a minute."""
    database = make_database("intake")
    settings = IntakeSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database.url,
        database_schema=database.schema,
        log_json=False,
        rate_limit_overrides={"tight": RateLimit(per_minute=1, burst=40)},
    )
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield IntakeHarness(app=app, client=client, bootstrap=kafka_bootstrap)


async def test_over_the_limit_is_429_with_retry_after(limited_intake: IntakeHarness) -> None:
    intake = limited_intake
    tight = make_partner("tight", publishes=(Stream.BULLETINS,))
    free = make_partner("free", publishes=(Stream.BULLETINS,))
    await produce(intake.bootstrap, *tight.records, *free.records)
    await eventually(lambda: intake.authenticates(free), timeout=20)
    await eventually(lambda: intake.authenticates(tight), timeout=20)

    answers = [
        await intake.client.post("/v1/bulletins", json=bulletin_body(), headers=tight.auth)
        for _ in range(40)
    ]
    codes = {a.status_code for a in answers}
    assert codes <= {202, 429} and 429 in codes, codes
    accepted = [a for a in answers if a.status_code == 202]
    assert accepted and "RateLimit-Remaining" in accepted[0].headers
    refused = answers[-1]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit-Limit"] == "40"
    assert refused.json()["type"].endswith("/rate-limited")

    other = await intake.client.post("/v1/bulletins", json=bulletin_body(), headers=free.auth)
    assert other.status_code == 202
    assert other.headers["RateLimit-Limit"] == "200"
