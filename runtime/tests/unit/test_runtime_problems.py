"""Errors become RFC 9457 problem details that name each bad field without echoing it."""

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, Field

from cvihub_runtime.problems import PROBLEM_JSON, Problem, install_problem_handlers


class Inner(BaseModel):
    phone: str = Field(pattern=r"^\+\d+$")


class Body(BaseModel):
    name: str
    inner: Inner


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        if body.name == "taken":
            raise Problem(409, "duplicate", "a thing with this name exists", name_field="name")
        return {"ok": "yes"}

    return app


async def _post(json: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/things", json=json)


async def test_validation_error_lists_pointers_and_hides_values() -> None:
    response = await _post({"inner": {"phone": "secret-555"}})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"].endswith("/validation-error")
    assert {e["pointer"] for e in body["errors"]} == {"#/name", "#/inner/phone"}
    assert "secret-555" not in response.text


async def test_domain_problem_keeps_its_status_and_extensions() -> None:
    response = await _post({"name": "taken", "inner": {"phone": "+1"}})

    assert response.status_code == 409
    assert response.json()["detail"] == "a thing with this name exists"
    assert response.json()["name_field"] == "name"
    assert response.json()["instance"] == "/things"


async def test_unknown_route_is_a_problem_too() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/nope")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_malformed_json_points_at_the_whole_body() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(
            "/things", content=b'{"name": ', headers={"content-type": "application/json"}
        )

    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["#"]
