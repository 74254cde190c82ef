"""Use cases on subscriptions: the delivery endpoints partners receive a stream on."""

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_registry import store
from cvihub_registry.audit.service import record_refusal
from cvihub_registry.core import RegistryCore, partner_or_404, record_change
from cvihub_registry.domain import (
    Conflict,
    CreatedSubscription,
    Forbidden,
    Invalid,
    NotFound,
    RevocableStatus,
    Subscription,
)
from cvihub_registry.grants import store as grants_store
from cvihub_registry.grants.rules import grant_in_force
from cvihub_registry.subscriptions import store as subscriptions_store
from cvihub_registry.subscriptions.rules import check_endpoint
from cvihub_registry.subscriptions.webhooks import webhook_secret
from cvihub_runtime.db import transaction
from cvihub_runtime.egress import (
    EgressPolicy,
    EgressRefused,
    Resolver,
    checked_destination,
    system_resolver,
)
from cvihub_runtime.secretbox import SecretBox


async def create_subscription(
    *,
    core: RegistryCore,
    actor: str,
    partner_id: str,
    stream: Stream,
    url: str,
    secret: str | None = None,
    channel: Channel = Channel.WEBHOOK,
    zones: list[str] | None = None,
    event_types: list[str] | None = None,
) -> CreatedSubscription:
    """Register an endpoint; a webhook's plain secret is returned once and stored encrypted."""
    plain = channel_secret(channel, secret)
    if channel is Channel.WEBHOOK:
        await refuse_unsafe_webhook(url, core.egress)
    async with transaction(core.sessions) as session:
        await partner_or_404(session, partner_id)
        subscription = await new_subscription(
            session,
            box=core.box,
            actor=actor,
            subscription_id=uuid.uuid4().hex,
            partner_id=partner_id,
            stream=stream,
            url=url,
            secret=plain,
            channel=channel,
            zones=zones,
            event_types=event_types,
        )
    core.wake()
    return CreatedSubscription(subscription=subscription, secret=plain)


RESOLVE_TIMEOUT_SECONDS = 2.0


async def refuse_unsafe_webhook(
    url: str, policy: EgressPolicy, resolver: Resolver = system_resolver
) -> None:
    """Invalid, naming the egress rule, unless the URL is HTTPS to a public address (what it
    resolves to now included). A name that does not resolve here may resolve where deliveries
    run: notifications checks it again, and pins the address, at every delivery."""
    try:
        await asyncio.wait_for(
            checked_destination(url, policy, resolver), timeout=RESOLVE_TIMEOUT_SECONDS
        )
    except TimeoutError:
        return
    except EgressRefused as refused:
        if refused.rule == "unresolvable":
            return
        raise Invalid("webhook-url-refused", f"the URL breaks the egress rule {refused}") from None


def channel_secret(channel: Channel, given: str | None) -> str | None:
    """A webhook's signing secret (the given one, checked, or a fresh one); None otherwise."""
    if channel is not Channel.WEBHOOK:
        if given is not None:
            raise Invalid("invalid-subscription", f"the {channel.value} channel takes no secret")
        return None
    try:
        return webhook_secret(given)
    except ValueError as exc:
        raise Invalid("invalid-webhook-secret", str(exc)) from exc


async def new_subscription(
    session: AsyncSession,
    *,
    box: SecretBox,
    actor: str,
    subscription_id: str,
    partner_id: str,
    stream: Stream,
    url: str,
    secret: str | None,
    channel: Channel = Channel.WEBHOOK,
    zones: list[str] | None = None,
    event_types: list[str] | None = None,
) -> Subscription:
    """Insert a subscription in the caller's transaction; Conflict on the same stream and URL
    (so also on a second inbox: every inbox has the same URI)."""
    check_endpoint(stream=stream, channel=channel, url=url, event_types=event_types, zones=zones)
    sequence = await store.next_sequence(session)
    found = await subscriptions_store.active_subscription(
        session, partner_id=partner_id, stream=stream, url=url
    )
    if found is not None:
        if channel is Channel.INBOX:
            raise Conflict("inbox-exists", "you already have an inbox for this stream")
        raise Conflict(
            "subscription-exists", "an active subscription for this stream and URL exists"
        )
    now = datetime.now(UTC)
    subscription = await store.insert(
        session,
        Subscription(
            subscription_id=subscription_id,
            partner_id=partner_id,
            stream=stream,
            url=url,
            secret_encrypted=box.encrypt(secret) if secret is not None else "",
            status=RevocableStatus.ACTIVE,
            created_at=now,
            updated_at=now,
            revoked_at=None,
            sequence=sequence,
            channel=channel,
            zones=zones,
            event_types=event_types,
        ),
    )
    detail = {"partner_id": partner_id, "stream": stream.value, "channel": channel.value}
    await record_change(
        session, subscription, actor=actor, action="subscription.created", detail=detail
    )
    return subscription


async def revoke_subscription(
    *, core: RegistryCore, actor: str, subscription_id: str
) -> Subscription:
    """Remove a webhook endpoint (idempotent); NotFound if unknown."""
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        subscription = await subscriptions_store.get_subscription(session, subscription_id)
        if subscription is None:
            raise NotFound("subscription-not-found", "no such subscription")
        if subscription.status is RevocableStatus.REVOKED:
            return subscription
        now = datetime.now(UTC)
        subscription = await store.save(
            session,
            subscription,
            status=RevocableStatus.REVOKED,
            revoked_at=now,
            updated_at=now,
            sequence=sequence,
        )
        detail = {"partner_id": subscription.partner_id, "stream": subscription.stream.value}
        await record_change(
            session, subscription, actor=actor, action="subscription.revoked", detail=detail
        )
    core.wake()
    return subscription


async def list_subscriptions(
    *, core: RegistryCore, partner_id: str | None = None
) -> list[Subscription]:
    """Subscriptions (without secrets in any answer), optionally of one partner."""
    async with core.sessions() as session:
        return await subscriptions_store.list_subscriptions(session, partner_id=partner_id)


async def create_own_subscription(
    *,
    core: RegistryCore,
    partner_id: str,
    stream: Stream,
    url: str,
    secret: str | None = None,
    channel: Channel = Channel.WEBHOOK,
    zones: list[str] | None = None,
    event_types: list[str] | None = None,
) -> CreatedSubscription:
    """Add the caller's own endpoint; Forbidden unless it holds a subscribe grant in force."""
    plain = channel_secret(channel, secret)
    if channel is Channel.WEBHOOK:
        await refuse_unsafe_webhook(url, core.egress)
    # An endpoint without a grant would never receive anything, and it reveals intent: refuse.
    async with transaction(core.sessions) as session:
        grant = await grants_store.active_grant(
            session, partner_id=partner_id, stream=stream, action=GrantAction.SUBSCRIBE
        )
        granted = grant is not None and grant_in_force(grant, datetime.now(UTC))
        if granted:
            subscription = await new_subscription(
                session,
                box=core.box,
                actor=partner_id,
                subscription_id=uuid.uuid4().hex,
                partner_id=partner_id,
                stream=stream,
                url=url,
                secret=plain,
                channel=channel,
                zones=zones,
                event_types=event_types,
            )
    if not granted:
        await record_refusal(
            core,
            action="access.refused",
            actor=partner_id,
            entity_id=None,
            detail={
                "scope": "partner",
                "reason": "not-granted",
                "operation": "subscription.create",
                "stream": stream.value,
            },
        )
        raise Forbidden("not-granted", f"you hold no subscribe grant in force on {stream.value}")
    core.wake()
    return CreatedSubscription(subscription=subscription, secret=plain)


async def revoke_own_subscription(
    *, core: RegistryCore, partner_id: str, subscription_id: str
) -> Subscription:
    """Remove the caller's own endpoint; NotFound for anyone else's (refusal audited)."""
    async with core.sessions() as session:
        found = await subscriptions_store.get_subscription(session, subscription_id)
    if found is None:
        raise NotFound("subscription-not-found", "no such subscription")
    if found.partner_id != partner_id:
        await record_refusal(
            core,
            action="access.refused",
            actor=partner_id,
            entity_id=subscription_id,
            detail={"scope": "partner", "reason": "not-owner", "operation": "subscription.revoke"},
        )
        raise NotFound("subscription-not-found", "no such subscription")
    if found.status is RevocableStatus.REVOKED:
        return found
    return await revoke_subscription(core=core, actor=partner_id, subscription_id=subscription_id)
