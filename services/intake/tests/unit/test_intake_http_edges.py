"""HTTP edges answered before any database or broker work: size limit, bad JSON, no key."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from intake_builders import referral_body

from cvihub_intake.app import create_app
from cvihub_intake.settings import IntakeSettings
from cvihub_runtime.problems import PROBLEM_JSON

LIMIT = 2048


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    # The lifespan never runs: these requests must be answered without the database or broker.
    settings = IntakeSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}",
        kafka_bootstrap_servers="127.0.0.1:1",
        max_body_bytes=LIMIT,
        log_json=False,
    )
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_intake_body_over_limit_is_413_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/referrals", content=b"x" * (LIMIT + 1), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"].endswith("/body-too-large")


async def test_intake_streamed_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * (LIMIT // 2)

    response = await client.post(
        "/v1/incident-alerts", content=chunks(), headers={"content-type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_intake_malformed_json_without_a_key_is_401_not_422(
    client: httpx.AsyncClient,
) -> None:
    # A caller without a key learns nothing from its body: 401 comes before any body error.
    for body, content_type in [
        (b'{"patient": ', "application/json"),
        (b"<referral/>", "application/xml"),
        ("{}".encode("utf-16"), "application/json"),
    ]:
        response = await client.post(
            "/v1/referrals", content=body, headers={"content-type": content_type}
        )
        assert response.status_code == 401, body
        assert response.headers["content-type"] == PROBLEM_JSON


async def test_intake_request_without_key_is_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/referrals", json=referral_body())

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_intake_openapi_documents_contract_bodies_and_problems(app: FastAPI) -> None:
    spec = app.openapi()

    referral = spec["paths"]["/v1/referrals"]["post"]
    alert = spec["paths"]["/v1/incident-alerts"]["post"]
    assert referral["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ReferralSubmission"
    )
    assert alert["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/IncidentAlertSubmission"
    )
    assert {"202", "401", "403", "413", "422"} <= set(referral["responses"])
    assert PROBLEM_JSON in referral["responses"]["403"]["content"]
