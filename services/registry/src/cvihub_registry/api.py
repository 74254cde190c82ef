"""The registry's HTTP routes: thin adapters from HTTP to the use cases in `service`."""

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cvihub_registry import service
from cvihub_registry.domain import ADMIN_ACTOR, IssuedKey, RegistryError
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
from cvihub_runtime.problems import Problem, problem_response
from cvihub_runtime.web import UNAUTHORIZED_HEADERS

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or refused credentials (problem+json)"},
    404: {"description": "Unknown id, or not yours (problem+json)"},
}
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"description": "Duplicate of an existing entity (problem+json)"},
}


# Security schemes only document and parse the header; refusals stay ours (audited problems).
_ADMIN_SCHEME = HTTPBearer(
    auto_error=False, scheme_name="AdminToken", description="REGISTRY_ADMIN_TOKEN"
)
PARTNER_SCHEME = HTTPBearer(
    auto_error=False, scheme_name="PartnerApiKey", description="cvh_<credential_id>_<secret>"
)
Credentials = HTTPAuthorizationCredentials | None


def token_of(credentials: Credentials) -> str | None:
    """The bearer token sent, if any."""
    return (credentials.credentials.strip() or None) if credentials else None


def unauthenticated(detail: str) -> Problem:
    """A 401 problem asking for a bearer token."""
    return Problem(401, "unauthenticated", detail, headers=UNAUTHORIZED_HEADERS)


def admin_guard(core: RegistryCore, admin_token: str) -> Callable[..., Awaitable[None]]:
    """A dependency that lets only the admin token through and audits every refusal."""

    async def require_admin(
        request: Request, credentials: Annotated[Credentials, Depends(_ADMIN_SCHEME)]
    ) -> None:
        allowed = await service.authorize_admin(
            core=core, token=token_of(credentials), admin_token=admin_token, path=request.url.path
        )
        if not allowed:
            raise unauthenticated("send the admin token as Authorization: Bearer <token>")

    return require_admin


def partner_guard(core: RegistryCore) -> Callable[..., Awaitable[str]]:
    """A dependency giving the calling partner's id from its API key, checked at the source."""

    async def current_partner(
        request: Request, credentials: Annotated[Credentials, Depends(PARTNER_SCHEME)]
    ) -> str:
        partner_id = await service.authenticate_partner(
            core=core, api_key=token_of(credentials), path=request.url.path
        )
        if partner_id is None:
            raise unauthenticated("the API key is missing, unknown, revoked or expired")
        return partner_id

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
    async def create_partner(body: PartnerCreate) -> PartnerOut:
        partner = await service.create_partner(core=core, actor=ADMIN_ACTOR, **body.model_dump())
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
    async def update_partner(partner_id: str, body: PartnerUpdate) -> PartnerOut:
        partner = await service.update_partner(
            core=core, actor=ADMIN_ACTOR, partner_id=partner_id, changes=body.changes()
        )
        return PartnerOut.model_validate(partner)

    @router.post("/partners/{partner_id}/keys", status_code=201, summary="Issue an API key")
    async def issue_key(partner_id: str, body: KeyCreate | None = None) -> KeyIssued:
        issued = await service.issue_key(
            core=core,
            actor=ADMIN_ACTOR,
            partner_id=partner_id,
            expires_at=body.expires_at if body else None,
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
    async def revoke_key(credential_id: str) -> None:
        await service.revoke_key(core=core, actor=ADMIN_ACTOR, credential_id=credential_id)

    @router.post("/grants", status_code=201, summary="Grant publish or subscribe on a stream")
    async def create_grant(body: GrantCreate) -> GrantOut:
        grant = await service.create_grant(core=core, actor=ADMIN_ACTOR, **body.model_dump())
        return GrantOut.model_validate(grant)

    @router.patch(
        "/grants/{grant_id}",
        summary="Change a grant's zones, field view or period",
        responses={422: {"description": "Invalid terms (problem+json)"}},
    )
    async def update_grant(grant_id: str, body: GrantUpdate) -> GrantOut:
        grant = await service.update_grant(
            core=core, actor=ADMIN_ACTOR, grant_id=grant_id, changes=body.changes()
        )
        return GrantOut.model_validate(grant)

    @router.get("/grants", summary="List grants")
    async def list_grants(partner_id: str | None = None) -> list[GrantOut]:
        grants = await service.list_grants(core=core, partner_id=partner_id)
        return [GrantOut.model_validate(g) for g in grants]

    @router.delete(
        "/grants/{grant_id}", status_code=204, response_class=Response, summary="Revoke a grant"
    )
    async def revoke_grant(grant_id: str) -> None:
        await service.revoke_grant(core=core, actor=ADMIN_ACTOR, grant_id=grant_id)

    @router.post(
        "/partners/{partner_id}/subscriptions", status_code=201, summary="Add a webhook endpoint"
    )
    async def create_subscription(partner_id: str, body: SubscriptionCreate) -> SubscriptionCreated:
        created = await service.create_subscription(
            core=core,
            actor=ADMIN_ACTOR,
            partner_id=partner_id,
            stream=body.stream,
            url=str(body.url),
            secret=body.secret,
        )
        sub = created.subscription
        return SubscriptionCreated(
            subscription_id=sub.subscription_id,
            partner_id=sub.partner_id,
            stream=sub.stream,
            url=sub.url,
            secret=created.secret,
        )

    @router.get("/subscriptions", summary="List webhook subscriptions")
    async def list_subscriptions(partner_id: str | None = None) -> list[SubscriptionOut]:
        subs = await service.list_subscriptions(core=core, partner_id=partner_id)
        return [SubscriptionOut.model_validate(s) for s in subs]

    @router.delete(
        "/subscriptions/{subscription_id}",
        status_code=204,
        response_class=Response,
        summary="Remove a webhook endpoint",
    )
    async def revoke_subscription(subscription_id: str) -> None:
        await service.revoke_subscription(
            core=core, actor=ADMIN_ACTOR, subscription_id=subscription_id
        )

    @router.get("/audit", summary="The audit log, newest first")
    async def audit(limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntryOut]:
        entries = await service.audit_entries(core=core, limit=limit)
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
    router = APIRouter(responses=ERRORS)
    partner: list[str | Enum] = ["partner"]
    Caller = Annotated[str, Depends(partner_guard(core))]

    @router.get("/v1/partners/me", tags=partner, summary="Your organisation's profile")
    async def me(caller: Caller) -> PartnerOut:
        return PartnerOut.model_validate(await service.get_partner(core=core, partner_id=caller))

    @router.get("/v1/partners/me/grants", tags=partner, summary="Your grants")
    async def my_grants(caller: Caller) -> list[GrantOut]:
        grants = await service.list_grants(core=core, partner_id=caller)
        return [GrantOut.model_validate(g) for g in grants]

    @router.get("/v1/partners/me/subscriptions", tags=partner, summary="Your webhook subscriptions")
    async def my_subscriptions(caller: Caller) -> list[SubscriptionOut]:
        subs = await service.list_subscriptions(core=core, partner_id=caller)
        return [SubscriptionOut.model_validate(s) for s in subs]

    @router.get("/v1/partners/me/keys", tags=partner, summary="Your API keys (ids and dates only)")
    async def my_keys(caller: Caller) -> list[KeyOut]:
        keys = await service.list_keys(core=core, partner_id=caller)
        return [KeyOut.model_validate(k) for k in keys]

    @router.post(
        "/v1/partners/me/keys", tags=partner, status_code=201, summary="Issue yourself a new key"
    )
    async def rotate(caller: Caller, body: KeyCreate | None = None) -> KeyIssued:
        issued = await service.issue_key(
            core=core, actor=caller, partner_id=caller, expires_at=body.expires_at if body else None
        )
        return _issued(issued)

    @router.delete(
        "/v1/partners/me/keys/{credential_id}",
        tags=partner,
        status_code=204,
        response_class=Response,
        summary="Revoke your key",
    )
    async def revoke_mine(caller: Caller, credential_id: str) -> None:
        await service.revoke_key(core=core, actor=caller, credential_id=credential_id, owner=caller)

    return router


def _issued(issued: IssuedKey) -> KeyIssued:
    return KeyIssued(
        credential_id=issued.credential.credential_id,
        api_key=issued.api_key,
        expires_at=issued.credential.expires_at,
    )


def install_registry_errors(app: FastAPI) -> None:
    """Answer the use cases' refusals as problem+json."""

    async def on_registry_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RegistryError)
        return problem_response(exc.status, exc.kind, exc.detail, instance=request.url.path)

    app.add_exception_handler(RegistryError, on_registry_error)
