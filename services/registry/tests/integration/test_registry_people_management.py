"""People management by partner admins and API keys; other partners' people stay invisible."""

from typing import Any

import pytest
from registry_builders import admin, bearer, registry
from registry_people_builders import add_partner, add_person, person_body, sign_in

pytestmark = pytest.mark.integration


async def test_partner_admins_and_keys_manage_only_their_own_people(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        for partner_id in ("safe-streets", "peace-collective"):
            await add_partner(client, partner_id)
        lead = "lead@safestreets.example.org"
        await add_person(client, "safe-streets", email=lead, role="partner_admin")
        theirs = await add_person(client, "peace-collective", email="w@peace.example.org")
        key = (await client.post("/v1/admin/partners/safe-streets/keys", headers=admin())).json()
        boss = bearer((await sign_in(client, lead))["session_token"])
        system = bearer(key["api_key"])

        created = await client.post("/v1/partners/me/people", json=person_body(), headers=boss)
        worker_id = created.json()["person_id"]
        duplicate = await client.post(
            "/v1/partners/me/people", json=person_body(display_name="X"), headers=system
        )
        worker = await sign_in(client)
        worker_auth = bearer(worker["session_token"])
        not_admin = await client.get("/v1/partners/me/people", headers=worker_auth)
        listed = await client.get("/v1/partners/me/people", headers=system)
        renamed = await client.patch(
            f"/v1/partners/me/people/{worker_id}", json={"display_name": "Ana"}, headers=system
        )
        nulled = await client.patch(
            f"/v1/partners/me/people/{worker_id}", json={"role": None}, headers=boss
        )
        cross = [
            await client.get(f"/v1/partners/me/people/{theirs}", headers=boss),
            await client.patch(
                f"/v1/partners/me/people/{theirs}", json={"status": "disabled"}, headers=system
            ),
            await client.get(f"/v1/partners/me/people/{theirs}/sessions", headers=boss),
        ]
        their_session = await sign_in(client, "w@peace.example.org")
        cross.append(
            await client.delete(
                f"/v1/partners/me/sessions/{their_session['session_id']}", headers=boss
            )
        )
        their_me = await client.get("/v1/me", headers=bearer(their_session["session_token"]))
        disabled = await client.patch(
            f"/v1/partners/me/people/{worker_id}", json={"status": "disabled"}, headers=boss
        )
        worker_after = await client.get("/v1/me", headers=worker_auth)
        code_after = await client.post("/v1/auth/code", json={"email": person_body()["email"]})
        audit = (await client.get("/v1/admin/audit?limit=200", headers=admin())).json()
        verdict = (await client.get("/v1/admin/audit/verify", headers=admin())).json()

    assert created.status_code == 201 and created.json()["partner_id"] == "safe-streets"
    assert duplicate.status_code == 409
    assert not_admin.status_code == 403
    assert {p["partner_id"] for p in listed.json()} == {"safe-streets"}
    assert len(listed.json()) == 2
    assert renamed.json()["display_name"] == "Ana"
    assert nulled.status_code == 422
    assert [r.status_code for r in cross] == [404] * 4
    assert their_me.status_code == 200
    assert disabled.json()["status"] == "disabled"
    assert worker_after.status_code == 401
    assert code_after.status_code == 202
    [disabling] = [e for e in audit if e["action"] == "person.disabled"]
    assert disabling["detail"]["sessions_revoked"] == 1
    assert disabling["entity_id"] == worker_id
    not_owner = [e for e in audit if e["detail"].get("reason") == "not-owner"]
    assert len(not_owner) == 4
    refused = {
        (e["entity_id"], e["detail"]["reason"]) for e in audit if e["action"] == "auth.refused"
    }
    assert (worker["session_id"], "revoked-session") in refused
    assert (worker_id, "person-unavailable") in refused
    assert verdict["ok"] is True


async def test_admin_people_routes_need_the_admin_token(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await add_partner(client, "safe-streets")
        missing = await client.post(
            "/v1/admin/partners/nowhere/people", json=person_body(), headers=admin()
        )
        unauth = await client.post("/v1/admin/partners/safe-streets/people", json=person_body())
        outbox = await client.get("/v1/admin/mail-outbox", headers=bearer("cvs_not-a-token"))
        me = await client.get("/v1/me", headers=bearer("cvs_not-a-token"))

    assert missing.status_code == 404
    assert unauth.status_code == 401 and outbox.status_code == 401 and me.status_code == 401
