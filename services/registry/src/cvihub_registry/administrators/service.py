"""Use cases on named administrators: create, change, disable, issue and revoke their keys,
and who an admin API caller is.

Every change is audited under the acting administrator; nothing is published: admin keys
never leave the registry.
"""

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry.administrators import store as administrators_store
from cvihub_registry.administrators.domain import (
    BOOTSTRAP_ACTOR,
    AdminCaller,
    AdminCredential,
    Administrator,
    AdminRole,
    AdminStatus,
    NewAdminKey,
    admin_credential_id_of,
    admin_key_matches,
    generate_admin_key,
)
from cvihub_registry.audit import store as audit_store
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import Conflict, Invalid, NotFound
from cvihub_runtime.db import transaction

EDITABLE_ADMIN_FIELDS = frozenset({"name", "email", "role", "status"})
_TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedAdminKey:
    """A new admin key: `api_key` is shown once, then only its hash is kept."""

    api_key: str
    credential: AdminCredential


@dataclass(frozen=True)
class AdminAuthentication:
    """Who called, or why nobody may (reason and the key id named, if any)."""

    caller: AdminCaller | None
    reason: str | None = None
    credential_id: str | None = None
    admin_id: str | None = None


async def create_administrator(
    *,
    core: RegistryCore,
    actor: str,
    admin_id: str,
    name: str,
    email: str | None,
    role: AdminRole,
    key_ttl: timedelta,
) -> tuple[Administrator, IssuedAdminKey]:
    """Add an active administrator with a first key; Conflict if the id is taken."""
    now = datetime.now(UTC)
    try:
        async with transaction(core.sessions) as session:
            if await administrators_store.get_administrator(session, admin_id) is not None:
                raise Conflict("administrator-exists", "an administrator with this id exists")
            admin = await administrators_store.insert_administrator(
                session,
                Administrator(
                    admin_id=admin_id,
                    name=name,
                    email=email,
                    role=role,
                    status=AdminStatus.ACTIVE,
                    created_at=now,
                    updated_at=now,
                ),
            )
            await audit_store.add_audit(
                session,
                actor=actor,
                action="administrator.created",
                entity_id=admin_id,
                detail={"role": role.value},
            )
            issued = await _issue(session, actor=actor, admin_id=admin_id, ttl=key_ttl)
    except IntegrityError as exc:
        raise Conflict("administrator-exists", "an administrator with this id exists") from exc
    return admin, issued


async def list_administrators(*, core: RegistryCore) -> list[Administrator]:
    """Every administrator."""
    async with core.sessions() as session:
        return await administrators_store.list_administrators(session)


async def get_administrator(
    *, core: RegistryCore, admin_id: str
) -> tuple[Administrator, list[AdminCredential]]:
    """One administrator and their keys (ids and dates only)."""
    async with core.sessions() as session:
        admin = await _admin_or_404(session, admin_id)
        return admin, await administrators_store.list_admin_credentials(session, admin_id=admin_id)


async def update_administrator(
    *, core: RegistryCore, actor: str, admin_id: str, changes: dict[str, Any]
) -> Administrator:
    """Change name, e-mail, role or status; disabling revokes every key at once."""
    unknown = set(changes) - EDITABLE_ADMIN_FIELDS
    if unknown:
        raise Invalid("not-editable", f"these fields cannot be changed: {sorted(unknown)}")
    async with transaction(core.sessions) as session:
        admin = await _admin_or_404(session, admin_id)
        changed = {name: v for name, v in changes.items() if getattr(admin, name) != v}
        if not changed:
            return admin
        admin = await administrators_store.save_administrator(session, admin, **changed)
        # Field names only: the e-mail is PII and stays out of the chain.
        detail: dict[str, Any] = {"fields": sorted(changed)}
        action = "administrator.updated"
        if "role" in changed:
            detail["role"] = admin.role.value
        if "status" in changed:
            disabled = admin.status is AdminStatus.DISABLED
            action = "administrator.disabled" if disabled else "administrator.enabled"
            if disabled:
                revoked = 0
                now = datetime.now(UTC)
                for key in await administrators_store.list_admin_credentials(
                    session, admin_id=admin_id
                ):
                    revoked += await administrators_store.revoke_admin_credential(
                        session, credential_id=key.credential_id, at=now
                    )
                detail["keys_revoked"] = revoked
        await audit_store.add_audit(
            session, actor=actor, action=action, entity_id=admin_id, detail=detail
        )
    return admin


async def issue_admin_key(
    *, core: RegistryCore, actor: str, admin_id: str, ttl: timedelta
) -> IssuedAdminKey:
    """A new key for an active administrator, valid for `ttl`."""
    async with transaction(core.sessions) as session:
        admin = await _admin_or_404(session, admin_id)
        if admin.status is not AdminStatus.ACTIVE:
            raise Invalid("administrator-disabled", "enable the administrator before issuing keys")
        return await _issue(session, actor=actor, admin_id=admin_id, ttl=ttl)


async def revoke_admin_key(
    *, core: RegistryCore, actor: str, admin_id: str, credential_id: str
) -> None:
    """Revoke one of an administrator's keys at once (idempotent)."""
    async with transaction(core.sessions) as session:
        key = await administrators_store.get_admin_credential(session, credential_id)
        if key is None or key.admin_id != admin_id:
            raise NotFound("admin-key-not-found", "no such key for this administrator")
        if await administrators_store.revoke_admin_credential(
            session, credential_id=credential_id, at=datetime.now(UTC)
        ):
            await audit_store.add_audit(
                session,
                actor=actor,
                action="admin_key.revoked",
                entity_id=credential_id,
                detail={"admin_id": admin_id},
            )


async def authenticate_admin(
    *, core: RegistryCore, token: str | None, bootstrap_token: str
) -> AdminAuthentication:
    """Who this bearer token is: the bootstrap token, a named administrator's live key, or
    nobody (with the reason). Constant-time comparisons; nothing is audited here."""
    if token is None:
        return AdminAuthentication(None, "missing-credentials")
    if hmac.compare_digest(token.encode(), bootstrap_token.encode()):
        return AdminAuthentication(AdminCaller(actor=BOOTSTRAP_ACTOR, role=AdminRole.ADMIN))
    credential_id = admin_credential_id_of(token)
    if credential_id is None:
        return AdminAuthentication(None, "wrong-token")
    now = datetime.now(UTC)
    async with core.sessions() as session:
        key = await administrators_store.get_admin_credential(session, credential_id)
        if key is None or not admin_key_matches(token, key.key_sha256):
            return AdminAuthentication(None, "unknown-key", credential_id)
        admin = await administrators_store.get_administrator(session, key.admin_id)
    reason = _refusal_reason(key, admin, now)
    if reason is not None or admin is None:
        return AdminAuthentication(None, reason, credential_id, key.admin_id)
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        async with transaction(core.sessions) as session:
            await administrators_store.touch_admin_credential(
                session, credential_id=credential_id, at=now
            )
    caller = AdminCaller(
        actor=admin.actor, role=admin.role, admin_id=admin.admin_id, credential_id=credential_id
    )
    return AdminAuthentication(caller)


def _refusal_reason(key: AdminCredential, admin: Administrator | None, now: datetime) -> str | None:
    if key.status != "active":
        return "revoked-key"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired-key"
    if admin is None or admin.status is not AdminStatus.ACTIVE:
        return "administrator-disabled"
    return None


async def _issue(
    session: AsyncSession, *, actor: str, admin_id: str, ttl: timedelta
) -> IssuedAdminKey:
    new: NewAdminKey = generate_admin_key()
    now = datetime.now(UTC)
    expires_at = now + ttl
    key = await administrators_store.insert_admin_credential(
        session,
        AdminCredential(
            credential_id=new.credential_id,
            admin_id=admin_id,
            key_sha256=new.key_sha256,
            status="active",
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
            last_used_at=None,
        ),
    )
    await audit_store.add_audit(
        session,
        actor=actor,
        action="admin_key.issued",
        entity_id=key.credential_id,
        detail={"admin_id": admin_id, "expires_at": expires_at.isoformat()},
    )
    return IssuedAdminKey(api_key=new.api_key, credential=key)


async def _admin_or_404(session: AsyncSession, admin_id: str) -> Administrator:
    admin = await administrators_store.get_administrator(session, admin_id)
    if admin is None:
        raise NotFound("administrator-not-found", "no such administrator")
    return admin
