"""A route's required scope: 403 insufficient-scope (RFC 6750 style) for a key without it."""

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request

from cvihub_contracts import Scope
from cvihub_registry_copy import Principal, principal_scopes
from cvihub_registry_copy.web import require_scope
from cvihub_runtime.problems import PROBLEM_JSON, install_problem_handlers

KEYS = {
    "reader": Principal("eastside", "k1", frozenset({Scope.REFERRALS_READ})),
    "publisher": Principal("mercy", "k2", frozenset({Scope.ALERTS_PUBLISH})),
}


async def fake_authenticator(request: Request) -> Principal:
    """Stands in for the registry copy: the key is the test's name of a principal."""
    principal = KEYS[request.headers["authorization"]]
    request.state.principal = principal
    return principal


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    reader = require_scope(fake_authenticator, Scope.REFERRALS_READ)
    either = require_scope(fake_authenticator, Scope.ALERTS_PUBLISH, Scope.BULLETINS_PUBLISH)

    @app.get("/read")
    async def read(principal: Annotated[Principal, Depends(reader)]) -> dict[str, str]:
        return {"partner": principal.partner_id}

    @app.get("/either")
    async def any_of(principal: Annotated[Principal, Depends(either)]) -> dict[str, str]:
        return {"partner": principal.partner_id}

    return app


async def _get(path: str, key: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path, headers={"Authorization": key})


async def test_a_key_with_the_scope_passes() -> None:
    response = await _get("/read", "reader")
    assert response.status_code == 200
    assert response.json() == {"partner": "eastside"}


async def test_a_key_without_the_scope_gets_403_insufficient_scope() -> None:
    response = await _get("/read", "publisher")

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"].endswith("/insufficient-scope")
    assert body["detail"] == "this API key lacks the scope referrals:read"
    assert body["required_scope"] == ["referrals:read"]
    assert response.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope" scope="referrals:read"'
    )


async def test_any_one_of_several_scopes_is_enough() -> None:
    assert (await _get("/either", "publisher")).status_code == 200
    refused = await _get("/either", "reader")
    assert refused.status_code == 403
    assert refused.json()["required_scope"] == ["alerts:publish", "bulletins:publish"]


def test_a_stored_null_means_every_scope_and_unknown_names_are_dropped() -> None:
    assert principal_scopes(None) == frozenset(Scope)
    assert principal_scopes(["deliveries:read", "not:a-scope"]) == {Scope.DELIVERIES_READ}
    assert principal_scopes([]) == frozenset()
