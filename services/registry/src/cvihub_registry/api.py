"""The registry's HTTP routes: thin adapters from HTTP to the use cases in `service`."""

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cvihub_contracts import Scope
from cvihub_registry import service
from cvihub_registry.administrators import AdminCaller, AdminRole
from cvihub_registry.domain import IssuedKey, RegistryError
from cvihub_registry.schemas import (
    AuditEntryOut,
    AuditVerification,
    GrantCreate,
    GrantOut,
    GrantUpdate,
    KeyCreate,
    KeyIssued,
    KeyOut,
    PartnerCreate,
    PartnerOut,
    PartnerUpdate,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
)
from cvihub_registry.service import RegistryCore
from cvihub_registry_copy import Principal
from cvihub_runtime.problems import Problem, problem_response
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


OWN_READ_SCOPES = (Scope.DIRECTORY_READ, Scope.PROFILE_MANAGE)
"""Scopes that may read the caller's own profile, grants and endpoints."""


def token_of(credentials: Credentials) -> str | None:
    """The bearer token sent, if any."""
    return (credentials.credentials.strip() or None) if credentials else None


def unauthenticated(detail: str) -> Problem:
    """A 401 problem asking for a bearer token."""
    return Problem(401, "unauthenticated", detail, headers=UNAUTHORIZED_HEADERS)


def admin_guard(
    core: RegistryCore, admin_token: str, *, auditors: bool = True
) -> Callable[..., Awaitable[AdminCaller]]:
    """A dependency letting through the bootstrap token or a named administrator's key.

    Auditors only read (GET), and not at all where `auditors` is False. Every refusal is
    audited; the caller is left in `request.state.admin` for `admin_actor`."""

    async def require_admin(
        request: Request, credentials: Annotated[Credentials, Depends(_ADMIN_SCHEME)]
    ) -> AdminCaller:
        path = request.url.path
        caller = await service.authorize_admin(
            core=core, token=token_of(credentials), admin_token=admin_token, path=path
        )
        if caller is None:
            raise unauthenticated(
                "send the admin token or an administrator's key as Authorization: Bearer <key>"
            )
        if not caller.may(request.method) or (caller.role is not AdminRole.ADMIN and not auditors):
            await service.refuse_admin_role(core=core, caller=caller, path=path)
            raise Problem(403, "insufficient-role", f"the {caller.role.value} role may not do this")
        request.state.admin = caller
        return caller

    return require_admin


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

    async def current_principal(
        request: Request, credentials: Annotated[Credentials, Depends(PARTNER_SCHEME)]
    ) -> Principal:
        path = request.url.path
        principal = await service.authenticate_partner(
            core=core, api_key=token_of(credentials), path=path
        )
        if principal is None:
            raise unauthenticated("the API key is missing, unknown, revoked or expired")
        request.state.principal = principal
        if scopes and not await service.authorize_scope(
            core=core, principal=principal, scopes=scopes, path=path
        ):
            raise insufficient_scope(*scopes)
        return principal

    return current_principal


def partner_guard(core: RegistryCore, *scopes: Scope) -> Callable[..., Awaitable[str]]:
    """A dependency giving the calling partner's id; see `principal_guard` for `scopes`."""
    guard = principal_guard(core, *scopes)

    async def current_partner(principal: Annotated[Principal, Depends(guard)]) -> str:
        return principal.partner_id

    return current_partner


def admin_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """Routes for the hub's operators: partners, keys, grants, subscriptions and the audit."""
    router = APIRouter(
        prefix="/v1/admin",
        tags=["admin"],
        dependencies=[Depends(admin_guard(core, admin_token))],
        responses=ADMIN_ERRORS,
    )

    @router.post("/partners", status_code=201, summary="Register a partner")
    async def create_partner(actor: AdminActor, body: PartnerCreate) -> PartnerOut:
        # dict(body), not model_dump(): the service area stays a geometry, not a plain dict.
        partner = await service.create_partner(core=core, actor=actor, **dict(body))
        return PartnerOut.model_validate(partner)

    @router.get("/partners", summary="List partners")
    async def list_partners() -> list[PartnerOut]:
        return [PartnerOut.model_validate(p) for p in await service.list_partners(core=core)]

    @router.get("/partners/{partner_id}", summary="Get a partner")
    async def get_partner(partner_id: str) -> PartnerOut:
        return PartnerOut.model_validate(
            await service.get_partner(core=core, partner_id=partner_id)
        )

    @router.patch("/partners/{partner_id}", summary="Change or suspend a partner")
    async def update_partner(actor: AdminActor, partner_id: str, body: PartnerUpdate) -> PartnerOut:
        partner = await service.update_partner(
            core=core, actor=actor, partner_id=partner_id, changes=body.changes()
        )
        return PartnerOut.model_validate(partner)

    @router.post("/partners/{partner_id}/keys", status_code=201, summary="Issue an API key")
    async def issue_key(
        actor: AdminActor, partner_id: str, body: KeyCreate | None = None
    ) -> KeyIssued:
        issued = await service.issue_key(
            core=core,
            actor=actor,
            partner_id=partner_id,
            expires_at=body.expires_at if body else None,
            scopes=body.scopes if body else None,
        )
        return _issued(issued)

    @router.get("/partners/{partner_id}/keys", summary="List a partner's API keys")
    async def list_keys(partner_id: str) -> list[KeyOut]:
        keys = await service.list_keys(core=core, partner_id=partner_id)
        return [KeyOut.model_validate(k) for k in keys]

    @router.delete(
        "/keys/{credential_id}",
        status_code=204,
        response_class=Response,
        summary="Revoke an API key",
    )
    async def revoke_key(actor: AdminActor, credential_id: str) -> None:
        await service.revoke_key(core=core, actor=actor, credential_id=credential_id)

    @router.post("/grants", status_code=201, summary="Grant publish or subscribe on a stream")
    async def create_grant(actor: AdminActor, body: GrantCreate) -> GrantOut:
        grant = await service.create_grant(core=core, actor=actor, **body.model_dump())
        return GrantOut.model_validate(grant)

    @router.patch(
        "/grants/{grant_id}",
        summary="Change a grant's zones, field view or period",
        responses={422: {"description": "Invalid terms (problem+json)"}},
    )
    async def update_grant(actor: AdminActor, grant_id: str, body: GrantUpdate) -> GrantOut:
        grant = await service.update_grant(
            core=core, actor=actor, grant_id=grant_id, changes=body.changes()
        )
        return GrantOut.model_validate(grant)

    @router.get("/grants", summary="List grants")
    async def list_grants(partner_id: str | None = None) -> list[GrantOut]:
        grants = await service.list_grants(core=core, partner_id=partner_id)
        return [GrantOut.model_validate(g) for g in grants]

    @router.delete(
        "/grants/{grant_id}", status_code=204, response_class=Response, summary="Revoke a grant"
    )
    async def revoke_grant(actor: AdminActor, grant_id: str) -> None:
        await service.revoke_grant(core=core, actor=actor, grant_id=grant_id)

    @router.post(
        "/partners/{partner_id}/subscriptions",
        status_code=201,
        summary="Add a delivery endpoint (webhook, e-mail or SMS notice, inbox) with its filters",
    )
    async def create_subscription(
        actor: AdminActor, partner_id: str, body: SubscriptionCreate
    ) -> SubscriptionCreated:
        created = await service.create_subscription(
            core=core,
            actor=actor,
            partner_id=partner_id,
            stream=body.stream,
            url=body.endpoint(),
            secret=body.secret,
            channel=body.channel,
            zones=body.zones,
            event_types=body.event_types,
        )
        return SubscriptionCreated.of(created.subscription, created.secret)

    @router.get("/subscriptions", summary="List subscriptions")
    async def list_subscriptions(partner_id: str | None = None) -> list[SubscriptionOut]:
        subs = await service.list_subscriptions(core=core, partner_id=partner_id)
        return [SubscriptionOut.model_validate(s) for s in subs]

    @router.delete(
        "/subscriptions/{subscription_id}",
        status_code=204,
        response_class=Response,
        summary="Remove a subscription",
    )
    async def revoke_subscription(actor: AdminActor, subscription_id: str) -> None:
        await service.revoke_subscription(core=core, actor=actor, subscription_id=subscription_id)

    @router.get("/audit", summary="The audit log, newest first")
    async def audit(
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        action: Annotated[
            str | None,
            Query(
                max_length=64,
                description='Only entries of this action, e.g. "access.refused" (every refusal).',
            ),
        ] = None,
    ) -> list[AuditEntryOut]:
        entries = await service.audit_entries(core=core, limit=limit, action=action)
        return [AuditEntryOut.model_validate(e) for e in entries]

    @router.get(
        "/audit/verify",
        summary="Verify the audit log's hash chain",
        description=(
            "Recomputes every entry's hash, checks each links to the one before and that the "
            "log ends at the audit head. Holds the append lock while it reads."
        ),
    )
    async def verify_audit() -> AuditVerification:
        return AuditVerification.model_validate(await service.verify_audit(core=core))

    return router


def partner_router(core: RegistryCore) -> APIRouter:
    """Routes a partner calls with its own API key; none shows another partner's data."""
    router = APIRouter(responses=SCOPE_ERRORS)
    partner: list[str | Enum] = ["partner"]
    # Reading your own account: a directory key or a key that manages the account.
    Reader = Annotated[str, Depends(partner_guard(core, *OWN_READ_SCOPES))]
    Manager = Annotated[str, Depends(partner_guard(core, Scope.PROFILE_MANAGE))]
    ManagerKey = Annotated[Principal, Depends(principal_guard(core, Scope.PROFILE_MANAGE))]

    @router.get("/v1/partners/me", tags=partner, summary="Your organisation's profile")
    async def me(caller: Reader) -> PartnerOut:
        return PartnerOut.model_validate(await service.get_partner(core=core, partner_id=caller))

    @router.get("/v1/partners/me/grants", tags=partner, summary="Your grants")
    async def my_grants(caller: Reader) -> list[GrantOut]:
        grants = await service.list_grants(core=core, partner_id=caller)
        return [GrantOut.model_validate(g) for g in grants]

    @router.get("/v1/partners/me/subscriptions", tags=partner, summary="Your subscriptions")
    async def my_subscriptions(caller: Reader) -> list[SubscriptionOut]:
        subs = await service.list_subscriptions(core=core, partner_id=caller)
        return [SubscriptionOut.model_validate(s) for s in subs]

    @router.get("/v1/partners/me/keys", tags=partner, summary="Your API keys (ids and dates only)")
    async def my_keys(caller: Manager) -> list[KeyOut]:
        keys = await service.list_keys(core=core, partner_id=caller)
        return [KeyOut.model_validate(k) for k in keys]

    @router.post(
        "/v1/partners/me/keys", tags=partner, status_code=201, summary="Issue yourself a new key"
    )
    async def rotate(
        request: Request, caller: ManagerKey, body: KeyCreate | None = None
    ) -> KeyIssued:
        """Omit scopes for the calling key's own; never more than the calling key holds."""
        scopes = await service.own_key_scopes(
            core=core,
            principal=caller,
            requested=body.scopes if body else None,
            path=request.url.path,
        )
        issued = await service.issue_key(
            core=core,
            actor=caller.partner_id,
            partner_id=caller.partner_id,
            expires_at=body.expires_at if body else None,
            scopes=scopes,
        )
        return _issued(issued)

    @router.delete(
        "/v1/partners/me/keys/{credential_id}",
        tags=partner,
        status_code=204,
        response_class=Response,
        summary="Revoke your key",
    )
    async def revoke_mine(caller: Manager, credential_id: str) -> None:
        await service.revoke_key(core=core, actor=caller, credential_id=credential_id, owner=caller)

    return router


def _issued(issued: IssuedKey) -> KeyIssued:
    return KeyIssued(
        credential_id=issued.credential.credential_id,
        api_key=issued.api_key,
        expires_at=issued.credential.expires_at,
        scopes=issued.credential.effective_scopes,
    )


def install_registry_errors(app: FastAPI) -> None:
    """Answer the use cases' refusals as problem+json."""

    async def on_registry_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RegistryError)
        return problem_response(exc.status, exc.kind, exc.detail, instance=request.url.path)

    app.add_exception_handler(RegistryError, on_registry_error)
