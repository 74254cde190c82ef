"""Authentication of partners by API key against the registry's own tables, and scope checks."""

from collections.abc import Collection
from datetime import UTC, datetime

from cvihub_contracts import ALL_SCOPES, Scope
from cvihub_contracts.scopes import sorted_scopes
from cvihub_registry.audit import store as audit_store
from cvihub_registry.audit.service import record_auth_refusal
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import Credential, Forbidden, Partner, PartnerStatus, RevocableStatus
from cvihub_registry.keys import store as keys_store
from cvihub_registry.keys.tokens import credential_id_of, key_matches
from cvihub_registry.partners import store as partners_store
from cvihub_registry_copy import Principal
from cvihub_runtime.db import transaction


async def authenticate_partner(
    *, core: RegistryCore, api_key: str | None, path: str
) -> Principal | None:
    """The partner and scopes of this active, unexpired key, from the registry's own tables."""
    if api_key is None:
        await record_auth_refusal(core, scope="partner", reason="missing-credentials", path=path)
        return None
    credential_id = credential_id_of(api_key)
    credential = partner = None
    if credential_id is not None:
        async with core.sessions() as session:
            credential = await keys_store.get_credential(session, credential_id)
            if credential is not None and key_matches(api_key, credential.key_sha256):
                partner = await partners_store.get_partner(session, credential.partner_id)
            else:
                credential = None
    if credential is None:
        # A wrong secret for a real id proves nothing about who sent it: the actor stays unknown.
        await record_auth_refusal(
            core, scope="partner", reason="unknown-key", path=path, credential_id=credential_id
        )
        return None
    reason = refusal_reason(credential, partner)
    if reason is not None:
        await record_auth_refusal(
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
        await audit_store.add_audit(
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
