"""Builders and steps of the people and sign-in tests."""

import re
from typing import Any

import httpx
from registry_builders import admin, partner_body

WORKER_EMAIL = "Worker@SafeStreets.Example.org"


def person_body(**overrides: Any) -> dict[str, Any]:
    """A POST …/people body."""
    body: dict[str, Any] = {
        "email": WORKER_EMAIL,
        "display_name": "Field Worker",
        "role": "outreach_worker",
    }
    body.update(overrides)
    return body


async def add_partner(client: httpx.AsyncClient, partner_id: str) -> None:
    """Register a CVI organisation."""
    body = partner_body(partner_id=partner_id, kind="cvi_org")
    response = await client.post("/v1/admin/partners", json=body, headers=admin())
    assert response.status_code == 201, response.text


async def add_person(client: httpx.AsyncClient, partner_id: str, **overrides: Any) -> str:
    """Add a person as the hub admin; their person_id."""
    response = await client.post(
        f"/v1/admin/partners/{partner_id}/people", json=person_body(**overrides), headers=admin()
    )
    assert response.status_code == 201, response.text
    person_id: str = response.json()["person_id"]
    return person_id


async def latest_code(client: httpx.AsyncClient, email: str) -> str:
    """The code in the newest outbox message to this email."""
    mail = (await client.get("/v1/admin/mail-outbox?limit=20", headers=admin())).json()
    [body, *_] = [m["body"] for m in mail if m["to"] == email.lower()]
    match = re.search(r"\b(\d{6})\b", body)
    assert match is not None
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str = WORKER_EMAIL, device: str = "Work phone"
) -> dict[str, Any]:
    """Request a code, read it from the outbox, trade it for a session; the 201 body."""
    assert (await client.post("/v1/auth/code", json={"email": email})).status_code == 202
    code = await latest_code(client, email)
    response = await client.post(
        "/v1/auth/session", json={"email": email, "code": code, "device_name": device}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
