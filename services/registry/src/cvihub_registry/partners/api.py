"""HTTP routes of partners: the admin's register, a partner's own profile, the directory."""

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from cvihub_contracts import Scope
from cvihub_contracts.codes import CviService
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import (
    OWN_READ_SCOPES,
    SCOPE_ERRORS,
    SELF_ERRORS,
    AdminActor,
    admin_only,
    partner_guard,
)
from cvihub_registry.partners import service as partners_service
from cvihub_registry.partners.geometry import LonLat
from cvihub_registry.partners.schemas import (
    DirectoryEntry,
    PartnerCreate,
    PartnerOut,
    PartnerSelfUpdate,
    PartnerUpdate,
)
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem


def admin_partners_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """The operators' register of partners."""
    router = api_router(**admin_only(core, admin_token))

    @router.post("/partners", status_code=201, summary="Register a partner")
    async def create_partner(actor: AdminActor, body: PartnerCreate) -> PartnerOut:
        # dict(body), not model_dump(): the service area stays a geometry, not a plain dict.
        partner = await partners_service.create_partner(core=core, actor=actor, **dict(body))
        return PartnerOut.model_validate(partner)

    @router.get("/partners", summary="List partners")
    async def list_partners() -> list[PartnerOut]:
        return [
            PartnerOut.model_validate(p) for p in await partners_service.list_partners(core=core)
        ]

    @router.get("/partners/{partner_id}", summary="Get a partner")
    async def get_partner(partner_id: str) -> PartnerOut:
        return PartnerOut.model_validate(
            await partners_service.get_partner(core=core, partner_id=partner_id)
        )

    @router.patch("/partners/{partner_id}", summary="Change or suspend a partner")
    async def update_partner(actor: AdminActor, partner_id: str, body: PartnerUpdate) -> PartnerOut:
        partner = await partners_service.update_partner(
            core=core, actor=actor, partner_id=partner_id, changes=body.changes()
        )
        return PartnerOut.model_validate(partner)

    return router


def own_profile_router(core: RegistryCore) -> APIRouter:
    """A partner reads and changes its own profile."""
    router = api_router(responses=SCOPE_ERRORS)
    partner: list[str | Enum] = ["partner"]
    Reader = Annotated[str, Depends(partner_guard(core, *OWN_READ_SCOPES))]
    Caller = Annotated[str, Depends(partner_guard(core, Scope.PROFILE_MANAGE))]

    @router.get("/v1/partners/me", tags=partner, summary="Your organisation's profile")
    async def me(caller: Reader) -> PartnerOut:
        return PartnerOut.model_validate(
            await partners_service.get_partner(core=core, partner_id=caller)
        )

    @router.patch(
        "/v1/partners/me",
        tags=partner,
        summary="Change your description, contact, services, website or drawn service area",
        responses=SELF_ERRORS,
    )
    async def update_me(caller: Caller, body: PartnerSelfUpdate) -> PartnerOut:
        partner_row = await partners_service.update_own_profile(
            core=core, partner_id=caller, changes=body.changes()
        )
        return PartnerOut.model_validate(partner_row)

    return router


def directory_router(core: RegistryCore) -> APIRouter:
    """The directory of active partners, for partners holding directory:read."""
    router = api_router(responses=SCOPE_ERRORS)
    Reader = Annotated[str, Depends(partner_guard(core, Scope.DIRECTORY_READ))]

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
        cvi_service: Annotated[
            CviService | None, Query(description="Provides this CVI service code")
        ] = None,
        language: Annotated[
            str | None, Query(max_length=35, description="Works in this language (BCP 47)")
        ] = None,
    ) -> list[DirectoryEntry]:
        partners = await partners_service.list_directory(
            core=core,
            zone=zone,
            kind=kind,
            service=offered,
            point=_point(lat=lat, lon=lon),
            cvi_service=cvi_service,
            language=language,
        )
        return [DirectoryEntry.model_validate(p) for p in partners]

    return router


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
