"""Routes for Kafka ACLs and key rotation: thin adapters to the ACL and rotation use cases."""

from datetime import timedelta
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from cvihub_contracts import Scope
from cvihub_registry.api import (
    ADMIN_ERRORS,
    SCOPE_ERRORS,
    AdminActor,
    admin_guard,
    principal_guard,
)
from cvihub_registry.domain import Credential, IssuedKey
from cvihub_registry.schemas import KafkaAclOut, KeyRotate, KeyRotated
from cvihub_registry.service import RegistryCore, own_key_scopes
from cvihub_registry.service.acls import kafka_acls
from cvihub_registry.service.rotation import rotate_key
from cvihub_registry_copy import Principal

ROTATION_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"description": "The key is revoked or expired (problem+json)"}
}


def acl_admin_router(core: RegistryCore, admin_token: str, *, direct_publish: bool) -> APIRouter:
    """Admin routes: review the computed Kafka ACLs."""
    router = APIRouter(
        prefix="/v1/admin",
        tags=["admin"],
        dependencies=[Depends(admin_guard(core, admin_token))],
        responses=ADMIN_ERRORS,
    )

    @router.get(
        "/kafka-acls",
        summary="The Kafka ACLs the grants call for",
        description=(
            "The desired set of ALLOW ACLs for partners that consume Kafka directly, computed "
            "from active grants in force of active partners (default deny). Needs no cluster."
        ),
    )
    async def desired_kafka_acls() -> list[KafkaAclOut]:
        acls = await kafka_acls(core=core, direct_publish=direct_publish)
        return [
            KafkaAclOut(
                principal=a.principal,
                resource_type=a.resource_type.value,
                resource_name=a.resource_name,
                pattern_type=a.pattern_type.value,
                operation=a.operation.value,
            )
            for a in acls
        ]

    return router


def rotation_router(core: RegistryCore, admin_token: str, *, grace: timedelta) -> APIRouter:
    """Key rotation for a partner (the key it calls with) and for an admin (any key)."""
    router = APIRouter()
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
