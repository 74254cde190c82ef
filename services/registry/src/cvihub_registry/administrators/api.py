"""Routes for the hub's named administrators and their keys (admin role to change)."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from cvihub_registry.administrators import service as administrators_service
from cvihub_registry.administrators import signin as administrators_signin
from cvihub_registry.administrators.domain import AdminCaller
from cvihub_registry.administrators.schemas import (
    AdminCodeRequest,
    AdministratorCreate,
    AdministratorCreated,
    AdministratorDetail,
    AdministratorOut,
    AdministratorUpdate,
    AdminKeyCreate,
    AdminKeyIssued,
    AdminKeyOut,
    AdminSessionRequest,
    AdminSignedIn,
    AdminWhoAmI,
)
from cvihub_registry.administrators.service import IssuedAdminKey
from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import ADMIN_ERRORS, AdminActor, admin_guard
from cvihub_registry.people.signin import SignIn
from cvihub_runtime.edges import api_router

_SIGN_IN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong, expired or used-up code (problem+json)"},
    429: {"description": "Too many codes requested for this e-mail (problem+json)"},
}


def administrators_router(core: RegistryCore, admin_token: str, *, key_ttl: timedelta) -> APIRouter:
    """/v1/admin/administrators and /v1/admin/whoami."""
    guard = admin_guard(core, admin_token)
    router = api_router(
        prefix="/v1/admin",
        tags=["admin"],
        dependencies=[Depends(guard)],
        responses={**ADMIN_ERRORS, 403: {"description": "Your role may not (problem+json)"}},
    )
    Caller = Annotated[AdminCaller, Depends(guard)]

    def lifetime(days: int | None) -> timedelta:
        return timedelta(days=days) if days is not None else key_ttl

    @router.get("/whoami", summary="Who the admin API takes you for")
    async def whoami(caller: Caller) -> AdminWhoAmI:
        return AdminWhoAmI(
            actor=caller.actor,
            role=caller.role,
            admin_id=caller.admin_id,
            credential_id=caller.credential_id,
        )

    @router.post(
        "/administrators",
        status_code=201,
        summary="Add a named administrator (the answer holds their first key, shown once)",
    )
    async def create_administrator(
        actor: AdminActor, body: AdministratorCreate
    ) -> AdministratorCreated:
        admin, issued = await administrators_service.create_administrator(
            core=core,
            actor=actor,
            admin_id=body.admin_id,
            name=body.name,
            email=body.email,
            role=body.role,
            key_ttl=lifetime(body.expires_in_days),
        )
        out = AdministratorOut.model_validate(admin)
        return AdministratorCreated(**out.model_dump(), key=_issued(issued))

    @router.get("/administrators", summary="The hub's administrators")
    async def list_administrators() -> list[AdministratorOut]:
        return [
            AdministratorOut.model_validate(a)
            for a in await administrators_service.list_administrators(core=core)
        ]

    @router.get("/administrators/{admin_id}", summary="One administrator and their keys")
    async def get_administrator(admin_id: str) -> AdministratorDetail:
        admin, keys = await administrators_service.get_administrator(core=core, admin_id=admin_id)
        out = AdministratorOut.model_validate(admin)
        return AdministratorDetail(
            **out.model_dump(), keys=[AdminKeyOut.model_validate(k) for k in keys]
        )

    @router.patch(
        "/administrators/{admin_id}",
        summary="Change an administrator's name, e-mail or role, or disable them",
    )
    async def update_administrator(
        actor: AdminActor, admin_id: str, body: AdministratorUpdate
    ) -> AdministratorOut:
        admin = await administrators_service.update_administrator(
            core=core, actor=actor, admin_id=admin_id, changes=body.changes()
        )
        return AdministratorOut.model_validate(admin)

    @router.post(
        "/administrators/{admin_id}/keys",
        status_code=201,
        summary="Issue an administrator a key (shown once)",
    )
    async def issue_admin_key(
        actor: AdminActor, admin_id: str, body: AdminKeyCreate | None = None
    ) -> AdminKeyIssued:
        issued = await administrators_service.issue_admin_key(
            core=core,
            actor=actor,
            admin_id=admin_id,
            ttl=lifetime(body.expires_in_days if body else None),
        )
        return _issued(issued)

    @router.delete(
        "/administrators/{admin_id}/keys/{credential_id}",
        status_code=204,
        response_class=Response,
        summary="Revoke an administrator's key at once",
    )
    async def revoke_admin_key(actor: AdminActor, admin_id: str, credential_id: str) -> None:
        await administrators_service.revoke_admin_key(
            core=core, actor=actor, admin_id=admin_id, credential_id=credential_id
        )

    return router


def admin_signin_router(core: RegistryCore, signin: SignIn) -> APIRouter:
    """/v1/admin-auth: a named administrator signs in by e-mailed code (no key needed)."""
    router = api_router(prefix="/v1/admin-auth", tags=["admin"])

    @router.post(
        "/code",
        status_code=202,
        response_class=Response,
        responses={429: _SIGN_IN_ERRORS[429]},
        summary="E-mail an administrator a sign-in code",
        description="Always 202, whether or not the e-mail is an active administrator's. The "
        "code is 6 digits, works once, for 10 minutes, and allows 5 attempts.",
    )
    async def request_code(body: AdminCodeRequest) -> None:
        await administrators_signin.request_admin_code(core=core, signin=signin, email=body.email)

    @router.post(
        "/session",
        status_code=201,
        responses=_SIGN_IN_ERRORS,
        summary="Trade a code for a 12-hour admin key (audited under the administrator)",
    )
    async def create_session(body: AdminSessionRequest) -> AdminSignedIn:
        admin, issued = await administrators_signin.create_admin_session(
            core=core, signin=signin, email=body.email, code=body.code
        )
        return AdminSignedIn(
            administrator=AdministratorOut.model_validate(admin), key=_issued(issued)
        )

    return router


def _issued(issued: IssuedAdminKey) -> AdminKeyIssued:
    return AdminKeyIssued(
        api_key=issued.api_key,
        credential_id=issued.credential.credential_id,
        expires_at=issued.credential.expires_at,
    )
