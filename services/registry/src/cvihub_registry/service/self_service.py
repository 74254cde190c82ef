"""Use cases a partner runs on its own account: its webhook endpoints and its public profile."""

import uuid
from datetime import UTC, datetime
from typing import Any

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_registry import store
from cvihub_registry.acl import grant_in_force
from cvihub_registry.domain import (
    CreatedSubscription,
    Forbidden,
    Invalid,
    NotFound,
    Partner,
    RevocableStatus,
    Subscription,
)
from cvihub_registry.service.access import channel_secret, new_subscription, revoke_subscription
from cvihub_registry.service.audit import record_refusal
from cvihub_registry.service.core import RegistryCore, partner_or_404, record_change
from cvihub_runtime.db import transaction

SELF_EDITABLE_PARTNER_FIELDS = frozenset(
    {"description", "contact_email", "services_offered", "website", "service_area"}
)
"""What a partner may change on its own profile; name, kind, status and the zones, beats and
community areas (names grants and the network scope on) are the admin's. The drawn service area
is the partner's too: it describes where it works and decides nothing."""


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
    # An endpoint without a grant would never receive anything, and it reveals intent: refuse.
    async with transaction(core.sessions) as session:
        grant = await store.active_grant(
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
        found = await store.get_subscription(session, subscription_id)
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


async def update_own_profile(
    *, core: RegistryCore, partner_id: str, changes: dict[str, Any]
) -> Partner:
    """Change the caller's own description, contact, services, website or drawn service area
    (audited)."""
    unknown = set(changes) - SELF_EDITABLE_PARTNER_FIELDS
    if unknown:
        raise Invalid("not-editable", f"these fields are the admin's: {sorted(unknown)}")
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        partner = await partner_or_404(session, partner_id)
        changed = {name: v for name, v in changes.items() if getattr(partner, name) != v}
        if not changed:
            return partner
        partner = await store.save(
            session, partner, **changed, sequence=sequence, updated_at=datetime.now(UTC)
        )
        await record_change(
            session,
            partner,
            actor=partner_id,
            action="partner.profile-updated",
            detail={"fields": sorted(changed)},
        )
    core.wake()
    return partner
