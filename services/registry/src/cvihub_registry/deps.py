"""Every FastAPI dependency of the registry API (the guards of each kind of caller) and the
problem responses they document."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cvihub_contracts import Scope
from cvihub_registry.administrators import auth as administrators_auth
from cvihub_registry.administrators.domain import AdminCaller, AdminRole
from cvihub_registry.audit.service import record_refusal
from cvihub_registry.core import RegistryCore
from cvihub_registry.keys import auth as keys_auth
from cvihub_registry.people import sessions as people_sessions
from cvihub_registry.people.codes import is_session_token
from cvihub_registry.people.domain import Forbidden, PersonRole, SessionCaller
from cvihub_registry_copy import Principal
from cvihub_runtime.edges import mark_authenticator
from cvihub_runtime.problems import Problem
from cvihub_runtime.web import UNAUTHORIZED_HEADERS, insufficient_scope

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or refused credentials (problem+json)"},
    404: {"description": "Unknown id, or not yours (problem+json)"},
}
SCOPE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"description": "The API key lacks the scope the route needs (problem+json)"},
}
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"description": "Duplicate of an existing entity (problem+json)"},
}


# Security schemes only document and parse the header; refusals stay ours (audited problems).
_ADMIN_SCHEME = HTTPBearer(
    auto_error=False,
    scheme_name="AdminToken",
    description="An administrator's key (cva_<credential_id>_<secret>) or REGISTRY_ADMIN_TOKEN",
)
PARTNER_SCHEME = HTTPBearer(
    auto_error=False, scheme_name="PartnerApiKey", description="cvh_<credential_id>_<secret>"
)
Credentials = HTTPAuthorizationCredentials | None
T = TypeVar("T")


OWN_READ_SCOPES = (Scope.DIRECTORY_READ, Scope.PROFILE_MANAGE)
"""Scopes that may read the caller's own profile, grants and endpoints."""


def token_of(credentials: Credentials) -> str | None:
    """The bearer token sent, if any."""
    return (credentials.credentials.strip() or None) if credentials else None


def unauthenticated(detail: str) -> Problem:
    """A 401 problem asking for a bearer token."""
    return Problem(401, "unauthenticated", detail, headers=UNAUTHORIZED_HEADERS)


def _before_body(
    scheme: HTTPBearer, check: Callable[[Request, Credentials], Awaitable[T]]
) -> Callable[..., Awaitable[T]]:
    """`check` as a dependency that also runs before a JSON body is read (cvihub_runtime.edges),
    so a caller without a good key learns nothing from its body; it runs once per request."""
    key = f"cvihub_guard_{id(check)}"

    async def guard(request: Request, credentials: Annotated[Credentials, Depends(scheme)]) -> T:
        if hasattr(request.state, key):  # the precheck already let this request through
            found: T = getattr(request.state, key)
            return found
        result = await check(request, credentials)
        setattr(request.state, key, result)
        return result

    async def precheck(request: Request) -> None:
        await guard(request, await scheme(request))

    return cast(Callable[..., Awaitable[T]], mark_authenticator(guard, precheck))


def admin_guard(
    core: RegistryCore, admin_token: str, *, auditors: bool = True
) -> Callable[..., Awaitable[AdminCaller]]:
    """A dependency letting through the bootstrap token or a named administrator's key.

    Auditors only read (GET), and not at all where `auditors` is False. Every refusal is
    audited; the caller is left in `request.state.admin` for `admin_actor`."""

    async def require_admin(request: Request, credentials: Credentials) -> AdminCaller:
        path = request.url.path
        caller = await administrators_auth.authorize_admin(
            core=core, token=token_of(credentials), admin_token=admin_token, path=path
        )
        if caller is None:
            raise unauthenticated(
                "send the admin token or an administrator's key as Authorization: Bearer <key>"
            )
        if not caller.may(request.method) or (caller.role is not AdminRole.ADMIN and not auditors):
            await administrators_auth.refuse_admin_role(core=core, caller=caller, path=path)
            raise Problem(403, "insufficient-role", f"the {caller.role.value} role may not do this")
        request.state.admin = caller
        return caller

    return _before_body(_ADMIN_SCHEME, require_admin)


def admin_actor(request: Request) -> str:
    """The audit actor of the admin caller the router's guard let through."""
    caller: AdminCaller = request.state.admin
    return caller.actor


AdminActor = Annotated[str, Depends(admin_actor)]
"""The acting administrator (`admin` for the bootstrap token, else `admin:<id>`)."""


def principal_guard(core: RegistryCore, *scopes: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency giving the caller's principal from its API key, checked at the source.

    With `scopes`, the key must hold one of them (403 insufficient-scope otherwise, audited).
    The principal is also left in `request.state.principal` for the refusal audit."""

    async def current_principal(request: Request, credentials: Credentials) -> Principal:
        path = request.url.path
        principal = await keys_auth.authenticate_partner(
            core=core, api_key=token_of(credentials), path=path
        )
        if principal is None:
            raise unauthenticated("the API key is missing, unknown, revoked or expired")
        request.state.principal = principal
        if scopes and not await keys_auth.authorize_scope(
            core=core, principal=principal, scopes=scopes, path=path
        ):
            raise insufficient_scope(*scopes)
        return principal

    return _before_body(PARTNER_SCHEME, current_principal)


def partner_guard(core: RegistryCore, *scopes: Scope) -> Callable[..., Awaitable[str]]:
    """A dependency giving the calling partner's id; see `principal_guard` for `scopes`."""
    guard = principal_guard(core, *scopes)

    async def current_partner(principal: Annotated[Principal, Depends(guard)]) -> str:
        return principal.partner_id

    return current_partner


def member_guard(core: RegistryCore, admin_token: str) -> Callable[..., Awaitable[str]]:
    """A dependency letting an administrator or a partner's valid directory:read key through."""

    async def current_member(request: Request, credentials: Credentials) -> str:
        token = token_of(credentials)
        if token is not None:
            admin = await administrators_auth.admin_caller(
                core=core, token=token, admin_token=admin_token
            )
            if admin is not None:
                return admin.actor
        path = request.url.path
        principal = await keys_auth.authenticate_partner(core=core, api_key=token, path=path)
        if principal is None:
            raise unauthenticated("send a partner API key or the admin token as a Bearer token")
        request.state.principal = principal
        if not await keys_auth.authorize_scope(
            core=core, principal=principal, scopes=[Scope.DIRECTORY_READ], path=path
        ):
            raise insufficient_scope(Scope.DIRECTORY_READ)
        return principal.partner_id

    return _before_body(PARTNER_SCHEME, current_member)


_SESSION_SCHEME = HTTPBearer(
    auto_error=False, scheme_name="SessionToken", description="cvs_… from POST /v1/auth/session"
)
_MANAGER_SCHEME = HTTPBearer(
    auto_error=False,
    scheme_name="PartnerAdminOrApiKey",
    description="A partner_admin's session token (cvs_…) or the partner's API key (cvh_…)",
)


@dataclass(frozen=True)
class Manager:
    """Who manages a partner's people: a partner_admin (session) or the partner's system."""

    partner_id: str
    actor: str


def session_guard(core: RegistryCore) -> Any:
    """A dependency giving the person behind a live session token; checked on every request."""

    async def current_session(request: Request, credentials: Credentials) -> SessionCaller:
        caller = await people_sessions.authenticate_session(
            core=core, token=token_of(credentials), path=request.url.path
        )
        if caller is None:
            raise unauthenticated("the session is missing, unknown, revoked or expired")
        return caller

    return _before_body(_SESSION_SCHEME, current_session)


def manager_guard(core: RegistryCore) -> Any:
    """A dependency admitting a partner_admin's session or the partner's API key."""

    async def current_manager(request: Request, credentials: Credentials) -> Manager:
        token, path = token_of(credentials), request.url.path
        if token is None or not is_session_token(token):
            principal = await keys_auth.authenticate_partner(core=core, api_key=token, path=path)
            if principal is None:
                raise unauthenticated("send a partner_admin session token or an API key")
            request.state.principal = principal
            # Managing people is account self-service: an API key needs profile:manage.
            if not await keys_auth.authorize_scope(
                core=core, principal=principal, scopes=[Scope.PROFILE_MANAGE], path=path
            ):
                raise insufficient_scope(Scope.PROFILE_MANAGE)
            partner_id = principal.partner_id
            return Manager(partner_id=partner_id, actor=partner_id)
        caller = await people_sessions.authenticate_session(core=core, token=token, path=path)
        if caller is None:
            raise unauthenticated("the session is missing, unknown, revoked or expired")
        person = caller.person
        if person.role is not PersonRole.PARTNER_ADMIN:
            await record_refusal(
                core,
                action="access.refused",
                actor=person.person_id,
                entity_id=None,
                detail={"scope": "people", "reason": "not-partner-admin", "path": path},
            )
            raise Forbidden("forbidden", "only a partner_admin manages people and sessions")
        return Manager(partner_id=person.partner_id, actor=person.person_id)

    return _before_body(_MANAGER_SCHEME, current_manager)


SELF_ERRORS: dict[int | str, dict[str, Any]] = {
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


def admin_only(core: RegistryCore, admin_token: str) -> dict[str, Any]:
    """The options of an admin router: under /v1/admin, behind the admin guard."""
    return {
        "prefix": "/v1/admin",
        "tags": ["admin"],
        "dependencies": [Depends(admin_guard(core, admin_token))],
        "responses": ADMIN_ERRORS,
    }
