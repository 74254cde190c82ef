"""A partner's self-service routes (profile, webhook endpoints), the directory and streams."""

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from cvihub_contracts import Scope
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_registry import service
from cvihub_registry.api import (
    PARTNER_SCHEME,
    SCOPE_ERRORS,
    Credentials,
    partner_guard,
    token_of,
    unauthenticated,
)
from cvihub_registry.geometry import LonLat
from cvihub_registry.schemas import (
    DirectoryEntry,
    PartnerOut,
    SubscriptionCreate,
    SubscriptionCreated,
)
from cvihub_registry.self_schemas import PartnerSelfUpdate, StreamOut
from cvihub_registry.service import RegistryCore
from cvihub_runtime.problems import Problem
from cvihub_runtime.web import insufficient_scope

_SELF_ERRORS: dict[int | str, dict[str, Any]] = {
    **SCOPE_ERRORS,
    403: {
        "description": "The API key lacks profile:manage, or no subscribe grant in force on "
        "the stream (problem+json)"
    },
    409: {
        "description": "You already have this endpoint (or an inbox) on this stream (problem+json)"
    },
    422: {"description": "Invalid body (problem+json)"},
}


def member_guard(core: RegistryCore, admin_token: str) -> Callable[..., Awaitable[str]]:
    """A dependency letting an administrator or a partner's valid directory:read key through."""

    async def current_member(
        request: Request, credentials: Annotated[Credentials, Depends(PARTNER_SCHEME)]
    ) -> str:
        token = token_of(credentials)
        if token is not None:
            admin = await service.admin_caller(core=core, token=token, admin_token=admin_token)
            if admin is not None:
                return admin.actor
        path = request.url.path
        principal = await service.authenticate_partner(core=core, api_key=token, path=path)
        if principal is None:
            raise unauthenticated("send a partner API key or the admin token as a Bearer token")
        request.state.principal = principal
        if not await service.authorize_scope(
            core=core, principal=principal, scopes=[Scope.DIRECTORY_READ], path=path
        ):
            raise insufficient_scope(Scope.DIRECTORY_READ)
        return principal.partner_id

    return current_member


def _point(*, lat: float | None, lon: float | None) -> LonLat | None:
    """The directory's point filter; a 422 naming the missing half when only one is given."""
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        missing = "lat" if lat is None else "lon"
        raise Problem(
            422,
            "validation-error",
            "1 field(s) failed validation",
            errors=[
                {
                    "pointer": f"#/query/{missing}",
                    "detail": "lat and lon go together: give both or neither",
                    "code": "missing",
                }
            ],
        )
    return LonLat(lon=lon, lat=lat)


def self_service_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """Routes where a partner changes its own profile and endpoints, and reads the streams."""
    router = APIRouter(responses=SCOPE_ERRORS)
    partner: list[str | Enum] = ["partner"]
    Caller = Annotated[str, Depends(partner_guard(core, Scope.PROFILE_MANAGE))]
    Reader = Annotated[str, Depends(partner_guard(core, Scope.DIRECTORY_READ))]
    Member = Annotated[str, Depends(member_guard(core, admin_token))]

    @router.patch(
        "/v1/partners/me",
        tags=partner,
        summary="Change your description, contact, services, website or drawn service area",
        responses=_SELF_ERRORS,
    )
    async def update_me(caller: Caller, body: PartnerSelfUpdate) -> PartnerOut:
        partner_row = await service.update_own_profile(
            core=core, partner_id=caller, changes=body.changes()
        )
        return PartnerOut.model_validate(partner_row)

    @router.post(
        "/v1/partners/me/subscriptions",
        tags=partner,
        status_code=201,
        summary="Add a delivery endpoint (webhook, e-mail or SMS notice, or inbox) for a "
        "stream you hold a subscribe grant on",
        description="A webhook's signing secret is in this answer only; the hub keeps it "
        "encrypted. One inbox per stream (409 on a second).",
        responses=_SELF_ERRORS,
    )
    async def add_my_subscription(caller: Caller, body: SubscriptionCreate) -> SubscriptionCreated:
        created = await service.create_own_subscription(
            core=core,
            partner_id=caller,
            stream=body.stream,
            url=body.endpoint(),
            secret=body.secret,
            channel=body.channel,
            zones=body.zones,
            event_types=body.event_types,
        )
        return SubscriptionCreated.of(created.subscription, created.secret)

    @router.delete(
        "/v1/partners/me/subscriptions/{subscription_id}",
        tags=partner,
        status_code=204,
        response_class=Response,
        summary="Remove one of your webhook endpoints",
    )
    async def remove_my_subscription(caller: Caller, subscription_id: str) -> None:
        await service.revoke_own_subscription(
            core=core, partner_id=caller, subscription_id=subscription_id
        )

    @router.get(
        "/v1/directory",
        tags=["directory"],
        summary="Active partners: who they are, what they offer, where, how to reach them",
        description="Filters combine: a partner must match each one given. `lat` and `lon` "
        "(WGS 84 degrees, both or neither) keep partners whose drawn service area holds that "
        "point, its edge included; partners without a drawn area never match them.",
        responses={422: {"description": "A filter out of range, or lat without lon"}},
    )
    async def directory(
        caller: Reader,
        zone: Annotated[str | None, Query(max_length=64, description="Serves this zone")] = None,
        kind: Annotated[PartnerKind | None, Query(description="Of this kind")] = None,
        offered: Annotated[
            str | None,
            Query(alias="service", max_length=100, description="Offers this service (any case)"),
        ] = None,
        lat: Annotated[
            float | None,
            Query(ge=-90, le=90, allow_inf_nan=False, description="Area holds (lat, lon)"),
        ] = None,
        lon: Annotated[
            float | None,
            Query(ge=-180, le=180, allow_inf_nan=False, description="Area holds (lat, lon)"),
        ] = None,
    ) -> list[DirectoryEntry]:
        partners = await service.list_directory(
            core=core, zone=zone, kind=kind, service=offered, point=_point(lat=lat, lon=lon)
        )
        return [DirectoryEntry.model_validate(p) for p in partners]

    @router.get(
        "/v1/streams",
        tags=["streams"],
        summary="The streams, their topics, event types and classifications",
    )
    async def streams(member: Member) -> list[StreamOut]:
        return [StreamOut.model_validate(info) for info in service.stream_catalog()]

    return router
