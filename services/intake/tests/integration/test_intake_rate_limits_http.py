"""Intake answers a partner over its rate limit with 429, Retry-After and RateLimit-* headers;
other partners go on unhindered."""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from intake_builders import bulletin_body, make_partner, partner_record
from intake_harness import IntakeHarness

from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import PartnerRateLimit
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


async def test_the_registrys_limit_for_a_partner_is_the_one_applied(
    intake: IntakeHarness,
) -> None:
    busy = make_partner("busy-ehr", publishes=(Stream.BULLETINS,))
    await produce(
        intake.bootstrap,
        *busy.records,
        partner_record("busy-ehr", sequence=5, rate_limit=PartnerRateLimit(per_minute=1, burst=5)),
    )
    await eventually(lambda: intake.authenticates(busy), timeout=20)

    async def limit_is(burst: int) -> bool:
        answer = await intake.client.get("/v1/submissions/none", headers=busy.auth)
        return answer.headers.get("RateLimit-Limit") == str(burst)

    await eventually(lambda: limit_is(5), timeout=20)
    answers = [
        await intake.client.post("/v1/bulletins", json=bulletin_body(), headers=busy.auth)
        for _ in range(6)
    ]
    assert answers[-1].status_code == 429, [a.status_code for a in answers]
    assert answers[-1].headers["RateLimit-Policy"] == "5;w=300"

    # The administrator raises it: intake applies the new limit within seconds.
    raised = PartnerRateLimit(per_minute=6000, burst=50)
    await produce(intake.bootstrap, partner_record("busy-ehr", sequence=6, rate_limit=raised))
    await eventually(lambda: limit_is(50), timeout=20)
    accepted = await intake.client.post("/v1/bulletins", json=bulletin_body(), headers=busy.auth)
    assert accepted.status_code == 202, accepted.text
