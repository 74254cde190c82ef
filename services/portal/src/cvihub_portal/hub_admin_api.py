"""Routes of the hub administrators' console under /api/hub-admin: sign-in by e-mailed code
(a cookie of its own), the registry's admin API as far as the console offers it, and a
partner's delivery health, dead letters and resend through notifications."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.responses import JSONResponse

from cvihub_portal import hub_admin
from cvihub_portal.dashboard import DELIVERY_SAMPLE, channel_health
from cvihub_portal.deps import CSRF_HEADER
from cvihub_portal.hub_admin import Administrator
from cvihub_portal.schemas import AdminSignInRequest, CodeRequest
from cvihub_portal.service import PortalCore
from cvihub_runtime.edges import api_router, mark_authenticator
from cvihub_runtime.problems import Problem

ADMIN_COOKIE = "cvihub_admin"
"""The HttpOnly cookie of a console session: a random token, never the admin key."""

_SAFE = {"GET", "HEAD", "OPTIONS"}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in as an administrator, or the key ran out (problem+json)"},
    403: {"description": "No X-Portal header on a change, or your role may not (problem+json)"},
    404: {"description": "Not offered by the console, or no such thing (problem+json)"},
    503: {"description": "The registry or notifications did not answer (problem+json)"},
}


def admin_guard(core: PortalCore) -> Callable[..., Awaitable[Administrator]]:
    """A dependency giving the signed-in administrator, 401 otherwise; before any body."""

    async def check(request: Request) -> Administrator:
        if request.method not in _SAFE and request.headers.get(CSRF_HEADER) != "1":
            raise Problem(403, "missing-csrf-header", f"send {CSRF_HEADER}: 1 with each change")
        cached = getattr(request.state, "hub_admin", None)
        if isinstance(cached, Administrator):
            return cached
        found = await hub_admin.authenticate(core, request.cookies.get(ADMIN_COOKIE))
        if found is None:
            raise Problem(401, "unauthenticated", "sign in as a hub administrator")
        request.state.hub_admin = found
        return found

    async def precheck(request: Request) -> None:
        await check(request)

    return mark_authenticator(check, precheck)  # type: ignore[no-any-return]


def _me(admin: Administrator) -> dict[str, Any]:
    return {
        "admin_id": admin.admin_id,
        "name": admin.name,
        "role": admin.role,
        "expires_at": admin.expires_at.isoformat(),
    }


def hub_admin_router(core: PortalCore, *, cookie_secure: bool) -> APIRouter:
    """The console's routes; every change is made with the administrator's own key."""
    router = api_router(prefix="/api/hub-admin", tags=["hub-admin"], responses=_ERRORS)
    Admin = Annotated[Administrator, Depends(admin_guard(core))]

    @router.post("/code", status_code=202, response_class=Response, summary="E-mail me a code")
    async def request_code(body: CodeRequest) -> None:
        await core.clients.admin_request_code(body.email)

    @router.post("/session", summary="Sign in as a hub administrator (until the key's end)")
    async def sign_in(body: AdminSignInRequest, response: Response) -> dict[str, Any]:
        token, admin = await hub_admin.sign_in(core, email=body.email, code=body.code)
        seconds = int((admin.expires_at - datetime.now(UTC)).total_seconds())
        response.set_cookie(
            ADMIN_COOKIE,
            token,
            max_age=max(seconds, 0),
            httponly=True,
            secure=cookie_secure,
            samesite="strict",
            path="/",
        )
        return _me(admin)

    @router.delete("/session", status_code=204, response_class=Response, summary="Sign out")
    async def sign_out(admin: Admin, response: Response) -> None:
        await hub_admin.sign_out(core, admin)
        response.delete_cookie(ADMIN_COOKIE, path="/")

    @router.get("/me", summary="Who is signed in to the console")
    async def me(admin: Admin) -> dict[str, Any]:
        return _me(admin)

    async def registry(
        request: Request,
        admin: Admin,
        path: str,
        body: Annotated[dict[str, Any] | None, Body()] = None,
    ) -> Response:
        params = dict(request.query_params)
        answer = await hub_admin.registry(
            core, admin, request.method, "/" + path, body=body, params=params or None
        )
        if answer is None:
            return Response(status_code=204)
        status = 201 if request.method == "POST" else 200
        return JSONResponse(answer, status_code=status)

    for method in ("GET", "POST", "PATCH", "DELETE"):
        router.add_api_route(
            "/registry/{path:path}",
            registry,
            methods=[method],
            operation_id=f"hub_admin_registry_{method.lower()}",
            summary=f"{method} on the registry's admin API, as far as the console offers it "
            "(partners, keys, grants, subscriptions, audit), with your own admin key",
        )

    @router.get("/partners/{partner_id}/delivery-health", summary="A partner's deliveries")
    async def delivery_health(admin: Admin, partner_id: str) -> dict[str, Any]:
        recent = await hub_admin.notifications(
            core, admin, partner_id, "GET", "/v1/deliveries", {"limit": DELIVERY_SAMPLE}
        )
        failed = await hub_admin.notifications(
            core, admin, partner_id, "GET", "/v1/deliveries", {"status": "failed", "limit": 50}
        )
        return {"channels": channel_health(recent["items"]), "dead_letters": failed["items"]}

    @router.post(
        "/partners/{partner_id}/deliveries/{delivery_id}/resend",
        summary="Resend one of a partner's dead letters (or a delivered one)",
    )
    async def resend(admin: Admin, partner_id: str, delivery_id: str) -> dict[str, Any]:
        path = f"/v1/deliveries/{delivery_id}/resend"
        result: dict[str, Any] = await hub_admin.notifications(
            core, admin, partner_id, "POST", path
        )
        return result

    return router
