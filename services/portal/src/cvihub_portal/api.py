"""The portal API for its web app: sign-in, the person, alerts and the live feed."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from cvihub_portal import service, store, stream
from cvihub_portal.clients import Unreachable, UpstreamError
from cvihub_portal.deps import COOKIE, IdempotencyKey, ability, person_guard, session_token
from cvihub_portal.schemas import AlertResponse, CodeRequest, SignInRequest
from cvihub_portal.service import ROLE_ABILITIES, Person, PortalCore
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import PROBLEM_JSON, problem_response

SESSION_DAYS = 90
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or the session ended (problem+json)"},
    403: {"description": "No X-Portal header on a change, or not your role (problem+json)"},
    503: {"description": "A service behind the portal did not answer (problem+json)"},
}
ACTION_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"description": "This Idempotency-Key's action is being carried out (problem+json)"},
}


def me_body(person: Person) -> dict[str, Any]:
    """What the app knows of the signed-in person."""
    return {
        "person_id": person.person_id,
        "display_name": person.display_name,
        "role": person.role,
        "partner_id": person.partner_id,
        "partner_name": person.partner_name,
        "zones": person.zones,
        "abilities": sorted(ROLE_ABILITIES.get(person.role, frozenset())),
    }


def action_response(outcome: service.Outcome, replayed: bool) -> JSONResponse:
    """An idempotent action's answer; a repeat says it was replayed."""
    status, body = outcome
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    media = "application/problem+json" if status >= 400 else "application/json"
    return JSONResponse(body, status_code=status, headers=headers, media_type=media)


def auth_router(core: PortalCore, *, cookie_secure: bool) -> APIRouter:
    """Sign-in by e-mailed code, the device session cookie, sign-out."""
    router = api_router(prefix="/api", tags=["sign-in"])
    Signed = Annotated[Person, Depends(person_guard(core))]

    @router.post(
        "/auth/code",
        status_code=202,
        response_class=Response,
        responses={429: {"description": "Too many codes asked for (problem+json)"}},
        summary="E-mail me a sign-in code",
    )
    async def request_code(body: CodeRequest) -> None:
        await core.clients.request_code(body.email)

    @router.post(
        "/auth/session",
        summary="Sign this device in with the e-mailed code (a 90-day session)",
        responses={401: {"description": "Wrong, expired or used code (problem+json)"}},
    )
    async def create_session(body: SignInRequest, response: Response) -> dict[str, Any]:
        token, person = await service.sign_in(
            core, email=body.email, code=body.code, device_name=body.device_name
        )
        response.set_cookie(
            COOKIE,
            token,
            max_age=SESSION_DAYS * 86400,
            httponly=True,
            secure=cookie_secure,
            samesite="strict",
            path="/",
        )
        return me_body(person)

    @router.delete(
        "/auth/session",
        status_code=204,
        response_class=Response,
        responses=ERRORS,
        summary="Sign this device out",
    )
    async def sign_out(request: Request, response: Response, person: Signed) -> None:
        token = session_token(request)
        if token:
            await service.sign_out(core, token)
        response.delete_cookie(COOKIE, path="/")

    @router.get("/me", responses=ERRORS, summary="Who is signed in")
    async def me(person: Signed) -> dict[str, Any]:
        return me_body(person)

    return router


def alerts_router(core: PortalCore, *, poll_seconds: float) -> APIRouter:
    """Alerts for the organisation's zones, responses to them, and the live feed."""
    router = api_router(prefix="/api", tags=["alerts"], responses=ERRORS)
    Worker = Annotated[Person, Depends(ability(core, "alerts"))]
    Signed = Annotated[Person, Depends(person_guard(core))]

    @router.get("/alerts", summary="Incidents for my organisation, newest first")
    async def list_alerts(person: Worker) -> list[dict[str, Any]]:
        return await service.alerts(core, person)

    @router.post(
        "/alerts/responses",
        status_code=201,
        responses=ACTION_ERRORS,
        summary="Acknowledge an alert, say you are on your way, or that it is handled",
    )
    async def respond(person: Worker, body: AlertResponse, key: IdempotencyKey) -> JSONResponse:
        async def act(session: Any) -> service.Outcome:
            now = datetime.now(UTC)
            await store.add_alert_response(
                session,
                partner_id=person.partner_id,
                incident_key=body.incident_key,
                person_id=person.person_id,
                display_name=person.display_name,
                response=body.response.value,
                at=now,
                idempotency_key=key,
            )
            return 201, {
                "incident_key": body.incident_key,
                "response": body.response.value,
                "at": now.isoformat(),
                "display_name": person.display_name,
            }

        outcome, replayed = await service.once(
            core,
            person,
            key=key,
            kind="alert." + body.response.value,
            target=body.incident_key[:100],
            act=act,
        )
        return action_response(outcome, replayed)

    @router.get(
        "/stream",
        summary="Live feed (Server-Sent Events): id = inbox item id; resume with Last-Event-ID",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def live(
        person: Signed,
        last_event_id: Annotated[str | None, Header(max_length=100)] = None,
    ) -> StreamingResponse:
        key = await service.partner_key(core, person.partner_id)

        async def events() -> AsyncIterator[bytes]:
            async for chunk in stream.relay(
                core.clients, key, last_event_id, poll_seconds=poll_seconds
            ):
                yield chunk

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router


def install_portal_errors(app: Any) -> None:
    """Relay other services' refusals as problem+json; shed with 503 when they are down."""

    async def on_upstream(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, UpstreamError)
        if exc.status >= 500 or exc.status == 429:
            return _unavailable(request, "a service behind the portal is busy or down")
        if exc.status == 401:
            # The person is signed in; the portal's partner key is not (yet) known there: a key
            # issued a moment ago reaches each service's registry copy within seconds.
            return _unavailable(request, "a service behind the portal does not know its key yet")
        body = {**exc.problem, "status": exc.status, "instance": request.url.path}
        return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_JSON)

    async def on_unreachable(request: Request, exc: Exception) -> JSONResponse:
        return _unavailable(request, str(exc))

    async def on_in_progress(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            409,
            "in-progress",
            "this action is being carried out; retry shortly",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )

    app.add_exception_handler(UpstreamError, on_upstream)
    app.add_exception_handler(Unreachable, on_unreachable)
    app.add_exception_handler(service.InProgress, on_in_progress)


def _unavailable(request: Request, detail: str) -> JSONResponse:
    return problem_response(
        503,
        "upstream-unavailable",
        detail,
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )
