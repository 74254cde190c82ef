"""HTTP routes of subscriptions: the admin's and a partner's own delivery endpoints."""

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from cvihub_contracts import Scope
from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import (
    OWN_READ_SCOPES,
    SCOPE_ERRORS,
    SELF_ERRORS,
    AdminActor,
    admin_only,
    partner_guard,
)
from cvihub_registry.subscriptions import service as subscriptions_service
from cvihub_registry.subscriptions.schemas import (
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
)
from cvihub_runtime.edges import api_router


def admin_subscriptions_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """The operators add, list and remove partners' delivery endpoints."""
    router = api_router(**admin_only(core, admin_token))

    @router.post(
        "/partners/{partner_id}/subscriptions",
        status_code=201,
        summary="Add a delivery endpoint (webhook, e-mail or SMS notice, inbox) with its filters",
    )
    async def create_subscription(
        actor: AdminActor, partner_id: str, body: SubscriptionCreate
    ) -> SubscriptionCreated:
        created = await subscriptions_service.create_subscription(
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
        subs = await subscriptions_service.list_subscriptions(core=core, partner_id=partner_id)
        return [SubscriptionOut.model_validate(s) for s in subs]

    @router.delete(
        "/subscriptions/{subscription_id}",
        status_code=204,
        response_class=Response,
        summary="Remove a subscription",
    )
    async def revoke_subscription(actor: AdminActor, subscription_id: str) -> None:
        await subscriptions_service.revoke_subscription(
            core=core, actor=actor, subscription_id=subscription_id
        )

    return router


def own_subscriptions_router(core: RegistryCore) -> APIRouter:
    """A partner lists, adds and removes its own delivery endpoints."""
    router = api_router(responses=SCOPE_ERRORS)
    partner: list[str | Enum] = ["partner"]
    Reader = Annotated[str, Depends(partner_guard(core, *OWN_READ_SCOPES))]
    Caller = Annotated[str, Depends(partner_guard(core, Scope.PROFILE_MANAGE))]

    @router.get("/v1/partners/me/subscriptions", tags=partner, summary="Your subscriptions")
    async def my_subscriptions(caller: Reader) -> list[SubscriptionOut]:
        subs = await subscriptions_service.list_subscriptions(core=core, partner_id=caller)
        return [SubscriptionOut.model_validate(s) for s in subs]

    @router.post(
        "/v1/partners/me/subscriptions",
        tags=partner,
        status_code=201,
        summary="Add a delivery endpoint (webhook, e-mail or SMS notice, or inbox) for a "
        "stream you hold a subscribe grant on",
        description="A webhook's signing secret is in this answer only; the hub keeps it "
        "encrypted. One inbox per stream (409 on a second).",
        responses=SELF_ERRORS,
    )
    async def add_my_subscription(caller: Caller, body: SubscriptionCreate) -> SubscriptionCreated:
        created = await subscriptions_service.create_own_subscription(
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
        await subscriptions_service.revoke_own_subscription(
            core=core, partner_id=caller, subscription_id=subscription_id
        )

    return router
