"""Authentication of admins and partners against the registry's own tables, and the audit."""

from collections.abc import Collection
from datetime import UTC, datetime

from cvihub_contracts import ALL_SCOPES, Scope
from cvihub_contracts.scopes import sorted_scopes
from cvihub_registry import store
from cvihub_registry.administrators import AdminCaller, actor_of
from cvihub_registry.domain import (
    UNKNOWN_ACTOR,
    AuditEntry,
    Credential,
    Forbidden,
    Partner,
    PartnerStatus,
    RevocableStatus,
)
from cvihub_registry.keys import credential_id_of, key_matches
from cvihub_registry.service.administrators import authenticate_admin
from cvihub_registry.service.audit import record_refusal
from cvihub_registry.service.core import RegistryCore
from cvihub_registry_copy import Principal
from cvihub_runtime.db import transaction


async def audit_entries(
    *, core: RegistryCore, limit: int = 100, action: str | None = None
) -> list[AuditEntry]:
    """The newest audit entries first, optionally only those of one action."""
    async with core.sessions() as session:
        return await store.list_audit(session, limit=limit, action=action)


async def admin_caller(
    *, core: RegistryCore, token: str | None, admin_token: str
) -> AdminCaller | None:
    """Who the token names on the admin side (bootstrap token or a live admin key), or None;
    a mismatch is not audited (the caller may be a partner on a shared route)."""
    result = await authenticate_admin(core=core, token=token, bootstrap_token=admin_token)
    return result.caller


async def authorize_admin(
    *, core: RegistryCore, token: str | None, admin_token: str, path: str
) -> AdminCaller | None:
    """The admin caller this bearer token names, or None; refusals are audited."""
    result = await authenticate_admin(core=core, token=token, bootstrap_token=admin_token)
    if result.caller is not None:
        return result.caller
    credential_id = result.credential_id
    if credential_id is None and token is not None:
        credential_id = credential_id_of(token)
    await _refuse(
        core,
        scope="admin",
        reason=result.reason or "wrong-token",
        path=path,
        # Only a genuine key names its holder; a wrong secret proves nothing about the sender.
        actor=actor_of(result.admin_id) if result.admin_id else UNKNOWN_ACTOR,
        credential_id=credential_id,
    )
    return None


async def refuse_admin_role(*, core: RegistryCore, caller: AdminCaller, path: str) -> None:
    """Audit an administrator's request their role does not allow (an auditor's change)."""
    await record_refusal(
        core,
        action="access.refused",
        actor=caller.actor,
        entity_id=caller.credential_id,
        detail={
            "scope": "admin",
            "reason": "insufficient-role",
            "role": caller.role.value,
            "path": path,
        },
    )


async def authenticate_partner(
    *, core: RegistryCore, api_key: str | None, path: str
) -> Principal | None:
    """The partner and scopes of this active, unexpired key, from the registry's own tables."""
    if api_key is None:
        await _refuse(core, scope="partner", reason="missing-credentials", path=path)
        return None
    credential_id = credential_id_of(api_key)
    credential = partner = None
    if credential_id is not None:
        async with core.sessions() as session:
            credential = await store.get_credential(session, credential_id)
            if credential is not None and key_matches(api_key, credential.key_sha256):
                partner = await store.get_partner(session, credential.partner_id)
            else:
                credential = None
    if credential is None:
        # A wrong secret for a real id proves nothing about who sent it: the actor stays unknown.
        await _refuse(
            core, scope="partner", reason="unknown-key", path=path, credential_id=credential_id
        )
        return None
    reason = refusal_reason(credential, partner)
    if reason is not None:
        await _refuse(
            core,
            scope="partner",
            reason=reason,
            path=path,
            actor=credential.partner_id,
            credential_id=credential_id,
        )
        return None
    return Principal(
        partner_id=credential.partner_id,
        credential_id=credential.credential_id,
        scopes=frozenset(credential.effective_scopes),
    )


async def authorize_scope(
    *, core: RegistryCore, principal: Principal, scopes: Collection[Scope], path: str
) -> bool:
    """Whether the key holds one of `scopes`; a refusal is audited."""
    if principal.allows(*scopes):
        return True
    await _refuse_scope(core, principal=principal, scopes=scopes, path=path)
    return False


async def _refuse_scope(
    core: RegistryCore, *, principal: Principal, scopes: Collection[Scope], path: str
) -> None:
    # Its own transaction: the request fails, the record of the refusal must stay.
    async with transaction(core.sessions) as session:
        await store.add_audit(
            session,
            actor=principal.partner_id,
            action="access.refused",
            entity_id=principal.credential_id,
            detail={
                "scope": "partner",
                "reason": "insufficient-scope",
                "required_scopes": [scope.value for scope in scopes],
                "path": path,
            },
        )


async def own_key_scopes(
    *, core: RegistryCore, principal: Principal, requested: Collection[Scope] | None, path: str
) -> Collection[Scope] | None:
    """Scopes for a key a partner issues itself: never more than the calling key holds.

    Omitted = the calling key's scopes (None, every scope, when it holds them all). Asking for
    more is refused (403 insufficient-scope) and audited: a narrow key cannot mint a wide one."""
    if requested is None:
        return None if principal.scopes == ALL_SCOPES else sorted_scopes(principal.scopes)
    beyond = [scope for scope in sorted_scopes(requested) if scope not in principal.scopes]
    if not beyond:
        return requested
    await _refuse_scope(core, principal=principal, scopes=beyond, path=path)
    names = ", ".join(scope.value for scope in beyond)
    raise Forbidden("insufficient-scope", f"this API key lacks the scope {names}")


def refusal_reason(credential: Credential, partner: Partner | None) -> str | None:
    """Why a genuine key may not be used now, or None when it may."""
    if credential.status is not RevocableStatus.ACTIVE:
        return "revoked-key"
    if credential.expires_at is not None and credential.expires_at <= datetime.now(UTC):
        return "expired-key"
    if partner is None or partner.status is not PartnerStatus.ACTIVE:
        return "partner-suspended"
    return None


async def _refuse(
    core: RegistryCore,
    *,
    scope: str,
    reason: str,
    path: str,
    actor: str = UNKNOWN_ACTOR,
    credential_id: str | None = None,
) -> None:
    # Its own transaction: the request fails, the record of the refusal must stay.
    async with transaction(core.sessions) as session:
        await store.add_audit(
            session,
            actor=actor,
            action="auth.refused",
            entity_id=credential_id,
            detail={"scope": scope, "reason": reason, "path": path},
        )
