"""HTTP routes of API keys: issue, list, revoke and rotate, by the admin and by the partner."""

from datetime import timedelta
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from cvihub_contracts import Scope
from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import (
    ADMIN_ERRORS,
    SCOPE_ERRORS,
    AdminActor,
    admin_guard,
    admin_only,
    partner_guard,
    principal_guard,
)
from cvihub_registry.domain import Credential, IssuedKey
from cvihub_registry.keys import auth as keys_auth
from cvihub_registry.keys import service as keys_service
from cvihub_registry.keys.auth import own_key_scopes
from cvihub_registry.keys.schemas import KeyCreate, KeyIssued, KeyOut, KeyRotate, KeyRotated
from cvihub_registry.keys.service import rotate_key
from cvihub_registry_copy import Principal
from cvihub_runtime.edges import api_router


def admin_keys_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """The operators issue, list and revoke partners' API keys."""
    router = api_router(**admin_only(core, admin_token))

    @router.post("/partners/{partner_id}/keys", status_code=201, summary="Issue an API key")
    async def issue_key(
        actor: AdminActor, partner_id: str, body: KeyCreate | None = None
    ) -> KeyIssued:
        issued = await keys_service.issue_key(
            core=core,
            actor=actor,
            partner_id=partner_id,
            expires_at=body.expires_at if body else None,
            scopes=body.scopes if body else None,
        )
        return _issued(issued)

    @router.get("/partners/{partner_id}/keys", summary="List a partner's API keys")
    async def list_keys(partner_id: str) -> list[KeyOut]:
        keys = await keys_service.list_keys(core=core, partner_id=partner_id)
        return [KeyOut.model_validate(k) for k in keys]

    @router.delete(
        "/keys/{credential_id}",
        status_code=204,
        response_class=Response,
        summary="Revoke an API key",
    )
    async def revoke_key(actor: AdminActor, credential_id: str) -> None:
        await keys_service.revoke_key(core=core, actor=actor, credential_id=credential_id)

    return router


def own_keys_router(core: RegistryCore) -> APIRouter:
    """A partner lists, issues and revokes its own API keys."""
    router = api_router(responses=SCOPE_ERRORS)
    partner: list[str | Enum] = ["partner"]
    Manager = Annotated[str, Depends(partner_guard(core, Scope.PROFILE_MANAGE))]
    ManagerKey = Annotated[Principal, Depends(principal_guard(core, Scope.PROFILE_MANAGE))]

    @router.get("/v1/partners/me/keys", tags=partner, summary="Your API keys (ids and dates only)")
    async def my_keys(caller: Manager) -> list[KeyOut]:
        keys = await keys_service.list_keys(core=core, partner_id=caller)
        return [KeyOut.model_validate(k) for k in keys]

    @router.post(
        "/v1/partners/me/keys", tags=partner, status_code=201, summary="Issue yourself a new key"
    )
    async def rotate(
        request: Request, caller: ManagerKey, body: KeyCreate | None = None
    ) -> KeyIssued:
        """Omit scopes for the calling key's own; never more than the calling key holds."""
        scopes = await keys_auth.own_key_scopes(
            core=core,
            principal=caller,
            requested=body.scopes if body else None,
            path=request.url.path,
        )
        issued = await keys_service.issue_key(
            core=core,
            actor=caller.partner_id,
            partner_id=caller.partner_id,
            expires_at=body.expires_at if body else None,
            scopes=scopes,
        )
        return _issued(issued)

    @router.delete(
        "/v1/partners/me/keys/{credential_id}",
        tags=partner,
        status_code=204,
        response_class=Response,
        summary="Revoke your key",
    )
    async def revoke_mine(caller: Manager, credential_id: str) -> None:
        await keys_service.revoke_key(
            core=core, actor=caller, credential_id=credential_id, owner=caller
        )

    return router


def _issued(issued: IssuedKey) -> KeyIssued:
    return KeyIssued(
        credential_id=issued.credential.credential_id,
        api_key=issued.api_key,
        expires_at=issued.credential.expires_at,
        scopes=issued.credential.effective_scopes,
    )


ROTATION_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"description": "The key is revoked or expired (problem+json)"}
}


def rotation_router(core: RegistryCore, admin_token: str, *, grace: timedelta) -> APIRouter:
    """Key rotation for a partner (the key it calls with) and for an admin (any key)."""
    router = api_router()
    partner: list[str | Enum] = ["partner"]
    admin_only = Depends(admin_guard(core, admin_token))
    Caller = Annotated[Principal, Depends(principal_guard(core, Scope.PROFILE_MANAGE))]

    @router.post(
        "/v1/partners/me/keys/rotate",
        tags=partner,
        status_code=201,
        summary="Rotate the key you call with",
        description="A new key (shown once); the calling key keeps working for the grace period. "
        "The new key keeps the calling key's scopes unless the body names others (never more "
        "than the calling key holds). Needs profile:manage.",
        responses={**SCOPE_ERRORS, **ROTATION_ERRORS},
    )
    async def rotate_mine(
        request: Request, caller: Caller, body: KeyRotate | None = None
    ) -> KeyRotated:
        requested = body.scopes if body else None
        scopes = (
            await own_key_scopes(
                core=core, principal=caller, requested=requested, path=request.url.path
            )
            if requested is not None
            else None
        )
        issued, old = await rotate_key(
            core=core,
            actor=caller.partner_id,
            credential_id=caller.credential_id,
            grace=grace,
            owner=caller.partner_id,
            scopes=scopes,
        )
        return _rotated(issued, old)

    @router.post(
        "/v1/admin/keys/{credential_id}/rotate",
        tags=["admin"],
        status_code=201,
        summary="Rotate a partner's API key",
        description="A new key (shown once); the old key keeps working for the grace period. "
        "The new key keeps the old key's scopes unless the body names others.",
        dependencies=[admin_only],
        responses={**ADMIN_ERRORS, **ROTATION_ERRORS},
    )
    async def rotate_any(
        actor: AdminActor, credential_id: str, body: KeyRotate | None = None
    ) -> KeyRotated:
        issued, old = await rotate_key(
            core=core,
            actor=actor,
            credential_id=credential_id,
            grace=grace,
            scopes=body.scopes if body else None,
        )
        return _rotated(issued, old)

    return router


def _rotated(issued: IssuedKey, old: Credential) -> KeyRotated:
    assert old.expires_at is not None  # rotation always sets it
    return KeyRotated(
        credential_id=issued.credential.credential_id,
        api_key=issued.api_key,
        expires_at=issued.credential.expires_at,
        scopes=issued.credential.effective_scopes,
        replaced_credential_id=old.credential_id,
        replaced_expires_at=old.expires_at,
    )
