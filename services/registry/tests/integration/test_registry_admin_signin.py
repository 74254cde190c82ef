"""A named administrator signs in by e-mailed code and gets a 12-hour admin key; a person's
code or a disabled administrator gets nothing; all of it is audited under their name."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from registry_builders import admin, bearer, registry
from registry_people_builders import WORKER_EMAIL, add_partner, add_person, latest_code

pytestmark = pytest.mark.integration

ADMIN_EMAIL = "Ops@Hub.Example.org"


async def _add_administrator(client: Any, admin_id: str = "ops") -> None:
    body = {"admin_id": admin_id, "name": "Ops Lead", "email": ADMIN_EMAIL, "role": "admin"}
    created = await client.post("/v1/admin/administrators", json=body, headers=admin())
    assert created.status_code == 201, created.text


async def test_an_administrator_signs_in_by_code_and_acts_under_their_name(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await _add_administrator(client)
        asked = await client.post("/v1/admin-auth/code", json={"email": ADMIN_EMAIL})
        unknown = await client.post("/v1/admin-auth/code", json={"email": "x@nowhere.example"})
        code = await latest_code(client, ADMIN_EMAIL)
        body = {"email": ADMIN_EMAIL, "code": code}
        signed = await client.post("/v1/admin-auth/session", json=body)
        again = await client.post("/v1/admin-auth/session", json=body)
        key = signed.json()["key"]["api_key"]
        me = await client.get("/v1/admin/whoami", headers=bearer(key))
        mail = (await client.get("/v1/admin/mail-outbox", headers=admin())).json()
        audit = (await client.get("/v1/admin/audit?limit=50", headers=admin())).json()
        verdict = (await client.get("/v1/admin/audit/verify", headers=admin())).json()

    assert asked.status_code == unknown.status_code == 202
    assert [m["to"] for m in mail] == [ADMIN_EMAIL.lower()]
    assert signed.status_code == 201, signed.text
    assert signed.json()["administrator"]["admin_id"] == "ops"
    assert key.startswith("cva_")
    expires = datetime.fromisoformat(signed.json()["key"]["expires_at"])
    assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12)
    assert again.status_code == 401  # a code works once
    assert me.json()["actor"] == "admin:ops"
    actions = [(e["actor"], e["action"]) for e in audit]
    assert ("admin:ops", "admin.signin.code-issued") in actions
    assert ("admin:ops", "admin_key.issued") in actions
    assert any(e["action"] == "auth.refused" and e["actor"] == "admin:ops" for e in audit)
    assert "ops@hub.example.org" not in str(audit).lower()  # never the e-mail
    assert verdict["ok"] is True


async def test_a_persons_code_and_a_disabled_administrator_get_no_admin_key(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await add_partner(client, "safe-streets")
        await add_person(client, "safe-streets")
        await client.post("/v1/auth/code", json={"email": WORKER_EMAIL})
        person_code = await latest_code(client, WORKER_EMAIL)
        as_admin = await client.post(
            "/v1/admin-auth/session", json={"email": WORKER_EMAIL, "code": person_code}
        )
        asked = await client.post("/v1/admin-auth/code", json={"email": WORKER_EMAIL})
        await _add_administrator(client)
        await client.post("/v1/admin-auth/code", json={"email": ADMIN_EMAIL})
        code = await latest_code(client, ADMIN_EMAIL)
        disabled = await client.patch(
            "/v1/admin/administrators/ops", json={"status": "disabled"}, headers=admin()
        )
        refused = await client.post(
            "/v1/admin-auth/session", json={"email": ADMIN_EMAIL, "code": code}
        )
        mail = (await client.get("/v1/admin/mail-outbox", headers=admin())).json()

    assert as_admin.status_code == 401
    assert asked.status_code == 202
    # The person got one code (their own sign-in), none as an administrator.
    assert [m["to"] for m in mail].count(WORKER_EMAIL.lower()) == 1
    assert disabled.status_code == 200, disabled.text
    assert refused.status_code == 401
