"""Sign-in by emailed code, device sessions and lost-phone sign-out, through the API."""

from typing import Any

import pytest
from registry_builders import admin, bearer, registry
from registry_people_builders import (
    WORKER_EMAIL,
    add_partner,
    add_person,
    latest_code,
    sign_in,
)

pytestmark = pytest.mark.integration


async def test_full_sign_in_flow_via_the_mail_outbox(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await add_partner(client, "safe-streets")
        person_id = await add_person(client, "safe-streets")
        unknown = await client.post("/v1/auth/code", json={"email": "nobody@example.org"})
        signed_in = await sign_in(client)
        token = signed_in["session_token"]
        me = await client.get("/v1/me", headers=bearer(token))
        reused = await client.post(
            "/v1/auth/session",
            json={
                "email": WORKER_EMAIL,
                "code": await latest_code(client, WORKER_EMAIL),
                "device_name": "Second phone",
            },
        )
        out = await client.delete("/v1/me/sessions/current", headers=bearer(token))
        after = await client.get("/v1/me", headers=bearer(token))
        mail = (await client.get("/v1/admin/mail-outbox", headers=admin())).json()
        audit = await client.get("/v1/admin/audit?limit=100", headers=admin())
        verdict = (await client.get("/v1/admin/audit/verify", headers=admin())).json()

    assert unknown.status_code == 202
    assert [m["to"] for m in mail] == [WORKER_EMAIL.lower()]
    assert signed_in["person"]["person_id"] == person_id
    assert token.startswith("cvs_")
    assert me.status_code == 200
    assert me.json()["partner"]["partner_id"] == "safe-streets"
    assert me.json()["person"]["email"] == WORKER_EMAIL.lower()
    assert me.json()["session"]["session_id"] == signed_in["session_id"]
    assert reused.status_code == 401 and reused.json()["type"].endswith("sign-in-refused")
    assert out.status_code == 204 and after.status_code == 401
    actions = [e["action"] for e in audit.json()]
    for action in ("person.created", "signin.code-issued", "session.created", "session.revoked"):
        assert action in actions
    refusals = [e["detail"] for e in audit.json() if e["action"] == "auth.refused"]
    assert {"scope": "sign-in", "reason": "unknown-email"}.items() <= refusals[-1].items()
    assert {r["reason"] for r in refusals} >= {"code-used", "revoked-session"}
    code = mail[0]["body"].split()[4].rstrip(".")
    assert code.isdigit() and len(code) == 6
    for secret in (token, WORKER_EMAIL.lower(), "nobody@example.org", code):
        assert secret not in audit.text
    assert verdict["ok"] is True


async def test_five_wrong_codes_kill_the_code(kafka_bootstrap: str, make_database: Any) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await add_partner(client, "safe-streets")
        await add_person(client, "safe-streets")
        assert (await client.post("/v1/auth/code", json={"email": WORKER_EMAIL})).status_code == 202
        code = await latest_code(client, WORKER_EMAIL)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        body = {"email": WORKER_EMAIL, "device_name": "Phone"}
        tries = [
            (await client.post("/v1/auth/session", json={**body, "code": wrong})).status_code
            for _ in range(5)
        ]
        right_too_late = await client.post("/v1/auth/session", json={**body, "code": code})
        audit = (await client.get("/v1/admin/audit?limit=50", headers=admin())).json()

    assert tries == [401] * 5
    assert right_too_late.status_code == 401
    refusals = [e["detail"] for e in audit if e["action"] == "auth.refused"][::-1]
    assert [r.get("attempts") for r in refusals if r["reason"] == "wrong-code"] == [1, 2, 3, 4, 5]
    assert refusals[-1]["reason"] == "code-used-up"


async def test_code_requests_are_rate_limited_per_email(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await add_partner(client, "safe-streets")
        await add_person(client, "safe-streets")
        known = [
            (await client.post("/v1/auth/code", json={"email": WORKER_EMAIL})).status_code
            for _ in range(6)
        ]
        unknown = [
            (await client.post("/v1/auth/code", json={"email": "ghost@example.org"})).status_code
            for _ in range(6)
        ]
        other = await client.post("/v1/auth/code", json={"email": "other@example.org"})
        limited = await client.post("/v1/auth/code", json={"email": WORKER_EMAIL.lower()})
        mail = (await client.get("/v1/admin/mail-outbox", headers=admin())).json()

    # Unknown emails are limited the same way, so a 429 reveals nothing about who exists.
    assert known == unknown == [202] * 5 + [429]
    assert other.status_code == 202
    assert limited.status_code == 429 and limited.json()["type"].endswith("too-many-requests")
    assert len(mail) == 5


async def test_a_lost_phone_is_signed_out_on_its_next_request(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await add_partner(client, "safe-streets")
        admin_email = "lead@safestreets.example.org"
        await add_person(client, "safe-streets", email=admin_email, role="partner_admin")
        worker_id = await add_person(client, "safe-streets")
        boss = bearer((await sign_in(client, admin_email))["session_token"])
        lost = await sign_in(client, device="Lost phone")
        kept = await sign_in(client, device="Tablet")
        assert (
            await client.get("/v1/me", headers=bearer(lost["session_token"]))
        ).status_code == 200

        listed = await client.get(f"/v1/partners/me/people/{worker_id}/sessions", headers=boss)
        revoked = await client.delete(
            f"/v1/partners/me/sessions/{lost['session_id']}", headers=boss
        )
        lost_after = await client.get("/v1/me", headers=bearer(lost["session_token"]))
        kept_after = await client.get("/v1/me", headers=bearer(kept["session_token"]))
        by_admin = await client.delete(f"/v1/admin/sessions/{kept['session_id']}", headers=admin())
        kept_gone = await client.get("/v1/me", headers=bearer(kept["session_token"]))
        sessions = await client.get(f"/v1/admin/people/{worker_id}/sessions", headers=admin())

    assert listed.status_code == 200
    assert {s["device_name"] for s in listed.json()} == {"Lost phone", "Tablet"}
    assert revoked.status_code == 204
    assert lost_after.status_code == 401 and kept_after.status_code == 200
    assert by_admin.status_code == 204 and kept_gone.status_code == 401
    assert all(s["revoked_at"] is not None for s in sessions.json())
