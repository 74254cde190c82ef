"""The admin console for a partner's admins: their people and device sessions (a lost phone is
signed out here). Each call goes to the registry with the admin's own session, so the registry
decides: only a partner_admin, only their own partner."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from cvihub_portal.api import ERRORS
from cvihub_portal.deps import person_guard, session_token
from cvihub_portal.schemas import Email
from cvihub_portal.service import Person, PortalCore
from cvihub_runtime.edges import api_router

Role = Literal["outreach_worker", "case_manager", "hospital_staff", "coordinator", "partner_admin"]


class NewPerson(BaseModel):
    """Someone to add to my organisation."""

    model_config = ConfigDict(extra="forbid")
    email: Email
    display_name: str = Field(min_length=1, max_length=200)
    role: Role


class PersonChange(BaseModel):
    """Disable (signs out everywhere) or re-enable someone."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "disabled"]


def admin_router(core: PortalCore) -> APIRouter:
    """Routes under /api/admin: people and sessions of the signed-in admin's partner."""
    router = api_router(
        prefix="/api/admin",
        tags=["admin"],
        responses={**ERRORS, 404: {"description": "Not one of your people (problem+json)"}},
    )
    Signed = Annotated[Person, Depends(person_guard(core))]

    async def registry(
        request: Request, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        return await core.clients.people(session_token(request) or "", method, path, body)

    @router.get("/people", summary="My organisation's people")
    async def people(request: Request, person: Signed) -> Any:
        return await registry(request, "GET", "/people")

    @router.post("/people", status_code=201, summary="Add a person to my organisation")
    async def add(request: Request, person: Signed, body: NewPerson) -> Any:
        return await registry(request, "POST", "/people", body.model_dump())

    @router.patch("/people/{person_id}", summary="Disable or re-enable a person")
    async def change(request: Request, person: Signed, person_id: str, body: PersonChange) -> Any:
        return await registry(request, "PATCH", f"/people/{person_id}", body.model_dump())

    @router.get("/people/{person_id}/sessions", summary="A person's devices")
    async def sessions(request: Request, person: Signed, person_id: str) -> Any:
        return await registry(request, "GET", f"/people/{person_id}/sessions")

    @router.delete(
        "/sessions/{session_id}",
        status_code=204,
        response_class=Response,
        summary="Sign a device out now (lost phone)",
    )
    async def revoke(request: Request, person: Signed, session_id: str) -> None:
        await registry(request, "DELETE", f"/sessions/{session_id}")

    return router
