"""Routes for Kafka ACLs and key rotation: thin adapters to the ACL and rotation use cases."""

from datetime import timedelta
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from cvihub_registry.api import (
    ADMIN_ERRORS,
    ERRORS,
    PARTNER_SCHEME,
    Credentials,
    admin_guard,
    partner_guard,
    token_of,
)
from cvihub_registry.domain import ADMIN_ACTOR, Credential, IssuedKey, NotFound
from cvihub_registry.keys import credential_id_of
from cvihub_registry.schemas import KafkaAclOut, KeyRotated
from cvihub_registry.service import RegistryCore
from cvihub_registry.service.acls import kafka_acls
from cvihub_registry.service.rotation import rotate_key

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
    Caller = Annotated[str, Depends(partner_guard(core))]

    @router.post(
        "/v1/partners/me/keys/rotate",
        tags=partner,
        status_code=201,
        summary="Rotate the key you call with",
        description="A new key (shown once); the calling key keeps working for the grace period.",
        responses={**ERRORS, **ROTATION_ERRORS},
    )
    async def rotate_mine(
        caller: Caller, credentials: Annotated[Credentials, Depends(PARTNER_SCHEME)]
    ) -> KeyRotated:
        token = token_of(credentials)
        credential_id = credential_id_of(token) if token else None
        if credential_id is None:  # unreachable once the guard let the key through
            raise NotFound("key-not-found", "no such key")
        issued, old = await rotate_key(
            core=core, actor=caller, credential_id=credential_id, grace=grace, owner=caller
        )
        return _rotated(issued, old)

    @router.post(
        "/v1/admin/keys/{credential_id}/rotate",
        tags=["admin"],
        status_code=201,
        summary="Rotate a partner's API key",
        description="A new key (shown once); the old key keeps working for the grace period.",
        dependencies=[admin_only],
        responses={**ADMIN_ERRORS, **ROTATION_ERRORS},
    )
    async def rotate_any(credential_id: str) -> KeyRotated:
        issued, old = await rotate_key(
            core=core, actor=ADMIN_ACTOR, credential_id=credential_id, grace=grace
        )
        return _rotated(issued, old)

    return router


def _rotated(issued: IssuedKey, old: Credential) -> KeyRotated:
    assert old.expires_at is not None  # rotation always sets it
    return KeyRotated(
        credential_id=issued.credential.credential_id,
        api_key=issued.api_key,
        expires_at=issued.credential.expires_at,
        replaced_credential_id=old.credential_id,
        replaced_expires_at=old.expires_at,
    )
