"""The hub administrators' console: sign-in by e-mailed code, and what the console may ask
the registry's admin API and notifications on an administrator's behalf.

An administrator's admin key (`cva_`, 12 hours, issued at sign-in) stays in the portal's
database, encrypted; the browser holds a random token only. Every registry call is made with
that key, so the registry checks the administrator's role and audits the change under their
name. Notifications answers partners only: to read a partner's deliveries or resend its dead
letters, the console has the registry issue (under the administrator's name) a one-hour partner
key with deliveries:read and profile:manage, and revokes it at sign-out."""

import asyncio
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cvihub_contracts import Scope
from cvihub_portal import store
from cvihub_portal.clients import UpstreamError
from cvihub_portal.service import PortalCore
from cvihub_runtime.db import transaction
from cvihub_runtime.problems import Problem

CONSOLE_KEY_TTL = timedelta(hours=1)
CONSOLE_KEY_SCOPES = [Scope.DELIVERIES_READ.value, Scope.PROFILE_MANAGE.value]
KEY_LAG_SECONDS = 10.0
"""How long a console key just issued may take to reach notifications' registry copy."""

_ID = r"[A-Za-z0-9._-]{1,64}"
REGISTRY_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (method, re.compile(f"^{pattern}$"))
    for method, pattern in (
        ("GET", "/partners"),
        ("POST", "/partners"),
        ("GET", f"/partners/{_ID}"),
        ("PATCH", f"/partners/{_ID}"),
        ("GET", f"/partners/{_ID}/keys"),
        ("POST", f"/partners/{_ID}/keys"),
        ("DELETE", f"/keys/{_ID}"),
        ("GET", "/grants"),
        ("POST", "/grants"),
        ("DELETE", f"/grants/{_ID}"),
        ("GET", "/subscriptions"),
        ("POST", f"/partners/{_ID}/subscriptions"),
        ("DELETE", f"/subscriptions/{_ID}"),
        ("GET", "/audit"),
        ("GET", "/audit/verify"),
    )
)
"""What the console may ask the registry's admin API (default deny): onboarding, keys,
grants, subscriptions and the audit; nothing else (no administrators, no mail outbox)."""


@dataclass(frozen=True)
class Administrator:
    """A signed-in hub administrator, as the registry named them at sign-in."""

    token_sha256: str
    admin_id: str
    name: str
    role: str
    credential_id: str
    key: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def sign_in(core: PortalCore, *, email: str, code: str) -> tuple[str, Administrator]:
    """Trade the e-mailed code for the administrator's admin key; a token for the browser."""
    signed = await core.clients.admin_create_session(email=email, code=code)
    admin, key = signed["administrator"], signed["key"]
    token = secrets.token_urlsafe(32)
    expires = datetime.fromisoformat(key["expires_at"])
    values = {
        "token_sha256": _digest(token),
        "admin_id": admin["admin_id"],
        "name": admin["name"],
        "role": admin["role"],
        "credential_id": key["credential_id"],
        "api_key_encrypted": core.box.encrypt(key["api_key"]),
        "created_at": datetime.now(UTC),
        "expires_at": expires,
    }
    async with transaction(core.sessions) as session:
        await store.add_admin_session(session, **values)
    found = await authenticate(core, token)
    assert found is not None
    return token, found


async def authenticate(core: PortalCore, token: str | None) -> Administrator | None:
    """The administrator behind a console token, while their key lasts."""
    if not token:
        return None
    async with core.sessions() as session:
        row = await store.admin_session(session, _digest(token))
    if row is None or row["expires_at"] <= datetime.now(UTC):
        return None
    return Administrator(
        token_sha256=row["token_sha256"],
        admin_id=row["admin_id"],
        name=row["name"],
        role=row["role"],
        credential_id=row["credential_id"],
        key=core.box.decrypt(row["api_key_encrypted"]),
        expires_at=row["expires_at"],
    )


async def sign_out(core: PortalCore, admin: Administrator) -> None:
    """Revoke the console keys and the administrator's admin key; forget the session."""
    async with transaction(core.sessions) as session:
        keys = await store.end_admin_session(session, admin.token_sha256)
    for key in keys:
        await _quietly(core.clients.admin_api(admin.key, "DELETE", f"/keys/{key['credential_id']}"))
    # An auditor may not revoke keys, not even their own: the portal's token does it for them.
    revoker = admin.key if admin.role == "admin" else None
    path = f"/administrators/{admin.admin_id}/keys/{admin.credential_id}"
    await _quietly(core.clients.admin_api(revoker or "", "DELETE", path))


async def _quietly(call: Any) -> None:
    try:
        await call
    except UpstreamError as exc:
        if exc.status not in (401, 403, 404):
            raise


async def registry(
    core: PortalCore,
    admin: Administrator,
    method: str,
    path: str,
    *,
    body: Any = None,
    params: dict[str, Any] | None = None,
) -> Any:
    """One allowed call of the registry's admin API with the administrator's own key."""
    if not any(m == method and p.match(path) for m, p in REGISTRY_ROUTES):
        raise Problem(404, "not-found", "the console does not offer this")
    try:
        return await core.clients.admin_api(admin.key, method, path, body=body, params=params)
    except UpstreamError as exc:
        if exc.status == 401:  # the admin key expired or was revoked: sign in again
            raise Problem(401, "unauthenticated", "sign in again as an administrator") from exc
        raise


async def _console_key(core: PortalCore, admin: Administrator, partner_id: str) -> str:
    async with core.sessions() as session:
        found = await store.console_key(session, admin.token_sha256, partner_id)
    if found and found["expires_at"] > datetime.now(UTC) + timedelta(minutes=5):
        return core.box.decrypt(found["api_key_encrypted"])
    expires = datetime.now(UTC) + CONSOLE_KEY_TTL
    body = {"scopes": CONSOLE_KEY_SCOPES, "expires_at": expires.isoformat()}
    issued = await registry(core, admin, "POST", f"/partners/{partner_id}/keys", body=body)
    async with transaction(core.sessions) as session:
        await store.put_console_key(
            session,
            token_sha256=admin.token_sha256,
            partner_id=partner_id,
            credential_id=issued["credential_id"],
            api_key_encrypted=core.box.encrypt(issued["api_key"]),
            expires_at=expires,
        )
    return str(issued["api_key"])


async def notifications(
    core: PortalCore,
    admin: Administrator,
    partner_id: str,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
) -> Any:
    """A partner route of notifications for `partner_id`, with the session's console key;
    waits while a key just issued is not yet known there."""
    key = await _console_key(core, admin, partner_id)
    deadline, pause = time.monotonic() + KEY_LAG_SECONDS, 0.2
    while True:
        try:
            return await core.clients.partner_api(key, "notifications", method, path, params)
        except UpstreamError as exc:
            if exc.status != 401 or time.monotonic() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)
