"""HTTP routes of grants and the streams they are on."""

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import (
    OWN_READ_SCOPES,
    SCOPE_ERRORS,
    AdminActor,
    admin_only,
    member_guard,
    partner_guard,
)
from cvihub_registry.grants import service as grants_service
from cvihub_registry.grants import streams as grants_streams
from cvihub_registry.grants.schemas import GrantCreate, GrantOut, GrantUpdate, StreamOut
from cvihub_runtime.edges import api_router


def admin_grants_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """The operators grant, change and revoke publish and subscribe rights."""
    router = api_router(**admin_only(core, admin_token))

    @router.post("/grants", status_code=201, summary="Grant publish or subscribe on a stream")
    async def create_grant(actor: AdminActor, body: GrantCreate) -> GrantOut:
        grant = await grants_service.create_grant(core=core, actor=actor, **body.model_dump())
        return GrantOut.model_validate(grant)

    @router.patch(
        "/grants/{grant_id}",
        summary="Change a grant's zones, field view or period",
        responses={422: {"description": "Invalid terms (problem+json)"}},
    )
    async def update_grant(actor: AdminActor, grant_id: str, body: GrantUpdate) -> GrantOut:
        grant = await grants_service.update_grant(
            core=core, actor=actor, grant_id=grant_id, changes=body.changes()
        )
        return GrantOut.model_validate(grant)

    @router.get("/grants", summary="List grants")
    async def list_grants(partner_id: str | None = None) -> list[GrantOut]:
        grants = await grants_service.list_grants(core=core, partner_id=partner_id)
        return [GrantOut.model_validate(g) for g in grants]

    @router.delete(
        "/grants/{grant_id}", status_code=204, response_class=Response, summary="Revoke a grant"
    )
    async def revoke_grant(actor: AdminActor, grant_id: str) -> None:
        await grants_service.revoke_grant(core=core, actor=actor, grant_id=grant_id)

    return router


def own_grants_router(core: RegistryCore) -> APIRouter:
    """A partner reads its own grants."""
    router = api_router(responses=SCOPE_ERRORS)
    partner: list[str | Enum] = ["partner"]
    Reader = Annotated[str, Depends(partner_guard(core, *OWN_READ_SCOPES))]

    @router.get("/v1/partners/me/grants", tags=partner, summary="Your grants")
    async def my_grants(caller: Reader) -> list[GrantOut]:
        grants = await grants_service.list_grants(core=core, partner_id=caller)
        return [GrantOut.model_validate(g) for g in grants]

    return router


def streams_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """The catalog of streams, for administrators and directory readers."""
    router = api_router(responses=SCOPE_ERRORS)
    Member = Annotated[str, Depends(member_guard(core, admin_token))]

    @router.get(
        "/v1/streams",
        tags=["streams"],
        summary="The streams, their topics, event types and classifications",
    )
    async def streams(member: Member) -> list[StreamOut]:
        return [StreamOut.model_validate(info) for info in grants_streams.stream_catalog()]

    return router
