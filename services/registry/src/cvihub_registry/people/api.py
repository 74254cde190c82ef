"""HTTP routes of sign-in, device sessions and people: thin adapters to the use cases."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import (
    ADMIN_ERRORS,
    ERRORS,
    AdminActor,
    Manager,
    admin_guard,
    manager_guard,
    session_guard,
)
from cvihub_registry.partners import service as partners_service
from cvihub_registry.partners.schemas import PartnerOut
from cvihub_registry.people import service as people_service
from cvihub_registry.people import sessions as people_sessions
from cvihub_registry.people import signin as people_signin
from cvihub_registry.people.domain import SessionCaller
from cvihub_registry.people.schemas import (
    CodeRequest,
    MeOut,
    PersonCreate,
    PersonOut,
    PersonUpdate,
    SessionCreated,
    SessionOut,
    SessionRequest,
)
from cvihub_registry.people.signin import SignIn
from cvihub_runtime.edges import api_router

SIGN_IN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong, expired or used-up code (problem+json)"},
    429: {"description": "Too many codes requested for this email (problem+json)"},
}
MANAGER_ERRORS: dict[int | str, dict[str, Any]] = {
    **ADMIN_ERRORS,
    403: {
        "description": "Signed in, but not a partner_admin; or an API key without "
        "profile:manage (problem+json)"
    },
}
NO_CONTENT: dict[str, Any] = {"status_code": 204, "response_class": Response}


def auth_router(core: RegistryCore, signin: SignIn) -> APIRouter:
    """Sign-in by emailed code, and what a signed-in person does with their own session."""
    router = api_router(tags=["sign-in"])
    Caller = Annotated[SessionCaller, Depends(session_guard(core))]

    @router.post(
        "/v1/auth/code",
        status_code=202,
        response_class=Response,
        responses={429: SIGN_IN_ERRORS[429]},
        summary="Email me a sign-in code",
        description="Always 202, whether or not the email belongs to someone. The code is "
        "6 digits, works once, for 10 minutes, and allows 5 attempts.",
    )
    async def request_code(body: CodeRequest) -> None:
        await people_signin.request_code(core=core, signin=signin, email=body.email)

    @router.post(
        "/v1/auth/session",
        status_code=201,
        responses=SIGN_IN_ERRORS,
        summary="Trade a code for a 90-day device session",
    )
    async def create_session(body: SessionRequest) -> SessionCreated:
        new = await people_signin.create_session(
            core=core, signin=signin, email=body.email, code=body.code, device_name=body.device_name
        )
        return SessionCreated(
            session_token=new.token,
            session_id=new.session.session_id,
            person=PersonOut.model_validate(new.person),
            expires_at=new.session.expires_at,
        )

    @router.get("/v1/me", responses=ERRORS, summary="The signed-in person and their partner")
    async def me(caller: Caller) -> MeOut:
        partner = await partners_service.get_partner(core=core, partner_id=caller.person.partner_id)
        return MeOut(
            person=PersonOut.model_validate(caller.person),
            partner=PartnerOut.model_validate(partner),
            session=SessionOut.model_validate(caller.session),
        )

    @router.delete(
        "/v1/me/sessions/current", **NO_CONTENT, responses=ERRORS, summary="Sign out this device"
    )
    async def sign_out(caller: Caller) -> None:
        await people_sessions.revoke_session(
            core=core,
            actor=caller.person.person_id,
            session_id=caller.session.session_id,
            partner_id=caller.person.partner_id,
            reason="signed-out",
        )

    return router


def partner_people_router(core: RegistryCore) -> APIRouter:
    """A partner's people and their sessions, for its partner_admins and its own system."""
    router = api_router(prefix="/v1/partners/me", tags=["people"], responses=MANAGER_ERRORS)
    Caller = Annotated[Manager, Depends(manager_guard(core))]

    @router.post("/people", status_code=201, summary="Add a person to your organisation")
    async def create_person(caller: Caller, body: PersonCreate) -> PersonOut:
        person = await people_service.create_person(
            core=core, actor=caller.actor, partner_id=caller.partner_id, **body.model_dump()
        )
        return PersonOut.model_validate(person)

    @router.get("/people", summary="Your organisation's people")
    async def list_people(caller: Caller) -> list[PersonOut]:
        people = await people_service.list_people(core=core, partner_id=caller.partner_id)
        return [PersonOut.model_validate(p) for p in people]

    @router.get("/people/{person_id}", summary="One of your people")
    async def get_person(caller: Caller, person_id: str) -> PersonOut:
        person = await people_service.get_person(
            core=core, actor=caller.actor, person_id=person_id, partner_id=caller.partner_id
        )
        return PersonOut.model_validate(person)

    @router.patch(
        "/people/{person_id}", summary="Change, disable (signs out everywhere) or re-enable"
    )
    async def update_person(caller: Caller, person_id: str, body: PersonUpdate) -> PersonOut:
        person = await people_service.update_person(
            core=core,
            actor=caller.actor,
            person_id=person_id,
            partner_id=caller.partner_id,
            changes=body.changes(),
        )
        return PersonOut.model_validate(person)

    @router.get("/people/{person_id}/sessions", summary="A person's device sessions")
    async def list_sessions(caller: Caller, person_id: str) -> list[SessionOut]:
        sessions = await people_sessions.list_sessions(
            core=core, actor=caller.actor, person_id=person_id, partner_id=caller.partner_id
        )
        return [SessionOut.model_validate(s) for s in sessions]

    @router.delete(
        "/sessions/{session_id}", **NO_CONTENT, summary="Sign a device out now (lost phone)"
    )
    async def revoke_session(caller: Caller, session_id: str) -> None:
        await people_sessions.revoke_session(
            core=core, actor=caller.actor, session_id=session_id, partner_id=caller.partner_id
        )

    return router


def admin_people_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """The hub admin's view of people and sessions (the mail outbox: mail/api.py)."""
    router = api_router(
        prefix="/v1/admin",
        tags=["admin"],
        dependencies=[Depends(admin_guard(core, admin_token))],
        responses=ADMIN_ERRORS,
    )

    @router.post("/partners/{partner_id}/people", status_code=201, summary="Add a person")
    async def create_person(actor: AdminActor, partner_id: str, body: PersonCreate) -> PersonOut:
        person = await people_service.create_person(
            core=core, actor=actor, partner_id=partner_id, **body.model_dump()
        )
        return PersonOut.model_validate(person)

    @router.get("/partners/{partner_id}/people", summary="A partner's people")
    async def list_people(partner_id: str) -> list[PersonOut]:
        people = await people_service.list_people(core=core, partner_id=partner_id)
        return [PersonOut.model_validate(p) for p in people]

    @router.get("/people/{person_id}/sessions", summary="A person's device sessions")
    async def list_sessions(actor: AdminActor, person_id: str) -> list[SessionOut]:
        sessions = await people_sessions.list_sessions(
            core=core, actor=actor, person_id=person_id, partner_id=None
        )
        return [SessionOut.model_validate(s) for s in sessions]

    @router.delete(
        "/sessions/{session_id}", **NO_CONTENT, summary="Sign a device out now (lost phone)"
    )
    async def revoke_session(actor: AdminActor, session_id: str) -> None:
        await people_sessions.revoke_session(
            core=core, actor=actor, session_id=session_id, partner_id=None
        )

    return router
