"""The console keeps an administrator's admin key in the portal's database (encrypted, the
browser holds a random token), offers only its allow-list of the registry's admin API, and
revokes the keys it made at sign-out (a real database; the registry answered in-process)."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from portal_harness import portal_core
from sqlalchemy import update

from cvihub_portal import hub_admin, store
from cvihub_portal.models import admin_sessions
from cvihub_runtime.db import transaction
from cvihub_runtime.problems import Problem
from cvihub_testkit import TestDatabase

pytestmark = pytest.mark.integration

ADMIN_KEY = "cva_0123456789ab_" + "s" * 40


def registry_for_admins(calls: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    """The registry's admin sign-in, admin API and notifications, recording every call."""

    def answer(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("Authorization", "")
        calls.append(f"{request.method} {request.url.path} {auth[7:11]}")
        path = request.url.path
        if path == "/v1/admin-auth/session":
            expires = (datetime.now(UTC) + timedelta(hours=12)).isoformat()
            return httpx.Response(
                201,
                json={
                    "administrator": {"admin_id": "ops", "name": "Ops Lead", "role": "admin"},
                    "key": {"api_key": ADMIN_KEY, "credential_id": "c1", "expires_at": expires},
                },
            )
        if path.endswith("/keys") and request.method == "POST":
            body = json.loads(request.content)
            assert body["scopes"] == ["deliveries:read", "profile:manage"]
            return httpx.Response(201, json={"credential_id": "k1", "api_key": "cvh_console"})
        if path == "/v1/deliveries":
            return httpx.Response(200, json={"items": []})
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(200, json=[])

    return answer


async def test_the_admin_key_stays_server_side_and_is_revoked_at_sign_out(
    make_database: Callable[[str], TestDatabase],
) -> None:
    calls: list[str] = []
    async with portal_core(make_database("portal"), registry_for_admins(calls)) as core:
        token, admin = await hub_admin.sign_in(core, email="ops@hub.example.org", code="123456")
        assert ADMIN_KEY not in token and len(token) >= 40
        assert (await hub_admin.authenticate(core, token)) == admin
        assert await hub_admin.authenticate(core, "not-a-token") is None
        async with core.sessions() as session:
            stored = await store.admin_session(session, admin.token_sha256)
        assert stored is not None and ADMIN_KEY not in str(stored)  # encrypted at rest
        await hub_admin.registry(core, admin, "GET", "/partners")
        for method, path in (
            ("GET", "/administrators"),
            ("GET", "/mail-outbox"),
            ("DELETE", "/partners/x"),
        ):
            with pytest.raises(Problem) as refused:
                await hub_admin.registry(core, admin, method, path)
            assert refused.value.status == 404
        await hub_admin.notifications(core, admin, "safe-streets", "GET", "/v1/deliveries")
        await hub_admin.notifications(core, admin, "safe-streets", "GET", "/v1/deliveries")
        await hub_admin.sign_out(core, admin)
        assert await hub_admin.authenticate(core, token) is None
    # Every registry call with the administrator's own key ("cva_"), the console key issued
    # once and used twice, and both revoked at sign-out.
    assert calls == [
        "POST /v1/admin-auth/session ",
        "GET /v1/admin/partners cva_",
        "POST /v1/admin/partners/safe-streets/keys cva_",
        "GET /v1/deliveries cvh_",
        "GET /v1/deliveries cvh_",
        "DELETE /v1/admin/keys/k1 cva_",
        "DELETE /v1/admin/administrators/ops/keys/c1 cva_",
    ]


async def test_a_session_whose_key_ran_out_is_dropped_at_the_next_sign_in(
    make_database: Callable[[str], TestDatabase],
) -> None:
    calls: list[str] = []
    async with portal_core(make_database("portal"), registry_for_admins(calls)) as core:
        token, admin = await hub_admin.sign_in(core, email="ops@hub.example.org", code="123456")
        async with transaction(core.sessions) as session:
            await session.execute(
                update(admin_sessions).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        assert await hub_admin.authenticate(core, token) is None
        await hub_admin.sign_in(core, email="ops@hub.example.org", code="123456")
        async with core.sessions() as session:
            left = await store.admin_session(session, admin.token_sha256)
    assert left is None
