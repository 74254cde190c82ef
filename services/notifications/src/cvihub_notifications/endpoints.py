"""Use cases of a partner's endpoints: their state here, resending one delivery, recovering
every failed one since a time, re-enabling an endpoint a 410 disabled, and remembering a
replaced signing secret for the rotation grace.

Failed deliveries are the dead letters: kept, listed (GET /v1/deliveries?status=failed), and
put back in the queue by a resend or a recovery. A requeued delivery is checked again before
its attempt like any other (grant, subscription, consent), so neither bypasses a rule.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event
from cvihub_contracts.registry.changes_v1 import Channel, SubscriptionChangedV1
from cvihub_notifications import endpoint_store, store
from cvihub_notifications.endpoint_store import EndpointRecord
from cvihub_notifications.models import DeliveryStatus, registry_copy
from cvihub_runtime.secretbox import SecretBox

DEFAULT_RECOVERY = timedelta(days=14)
"""How far back a recovery reaches when no time is given and the endpoint was not disabled."""


class NotResendable(Exception):
    """The delivery is still pending, or is an inbox item (nothing to send)."""


@dataclass(frozen=True)
class Recovered:
    """How many failed deliveries of an endpoint went back in the queue, planned since when."""

    subscription_id: str
    since: datetime
    requeued: int


async def endpoint(
    *, session: AsyncSession, partner_id: str, subscription_id: str
) -> EndpointRecord | None:
    """One of the partner's endpoints with its state here; None when not theirs."""
    return await endpoint_store.endpoint(
        session, partner_id=partner_id, subscription_id=subscription_id
    )


async def is_someone_elses_endpoint(
    *, session: AsyncSession, partner_id: str, subscription_id: str
) -> bool:
    """Whether the id is another partner's endpoint (its 404 is then a refusal to audit)."""
    owner = await endpoint_store.endpoint_owner(session, subscription_id)
    return owner is not None and owner != partner_id


async def resend(
    *, session: AsyncSession, partner_id: str, delivery_id: str, now: datetime | None = None
) -> store.DeliveryRecord | None:
    """Put one of the partner's failed or delivered deliveries back in the queue, due now.

    None when it is not theirs; NotResendable while it is pending or when it is inbox."""
    record = await store.get_delivery(session, partner_id=partner_id, delivery_id=delivery_id)
    if record is None:
        return None
    if record.status == DeliveryStatus.PENDING.value or record.channel == Channel.INBOX.value:
        raise NotResendable(record.status)
    await endpoint_store.requeue(session, delivery_id=delivery_id, now=now or datetime.now(UTC))
    return await store.get_delivery(session, partner_id=partner_id, delivery_id=delivery_id)


async def recover(
    *,
    session: AsyncSession,
    partner_id: str,
    subscription_id: str,
    since: datetime | None,
    now: datetime | None = None,
) -> Recovered | None:
    """Requeue every failed delivery of the partner's endpoint planned since `since` (default:
    since it was disabled, else DEFAULT_RECOVERY back); None when it is not theirs."""
    now = now or datetime.now(UTC)
    found = await endpoint_store.endpoint(
        session, partner_id=partner_id, subscription_id=subscription_id
    )
    if found is None:
        return None
    since = since or _trouble_began(found) or now - DEFAULT_RECOVERY
    count = await endpoint_store.requeue_failed(
        session, subscription_id=subscription_id, since=since, now=now
    )
    return Recovered(subscription_id=subscription_id, since=since, requeued=count)


def _trouble_began(found: EndpointRecord) -> datetime | None:
    """Since when the endpoint missed deliveries: its first failure after its last success
    (before a 410 or a disabling for failing too long), else when it was disabled."""
    known = [t for t in (found.failing_since, found.disabled_at) if t is not None]
    return min(known) if known else None


async def enable(
    *,
    session: AsyncSession,
    partner_id: str,
    subscription_id: str,
    since: datetime | None,
    now: datetime | None = None,
) -> Recovered | None:
    """Re-enable the partner's endpoint and recover what it missed: every delivery failed
    since its trouble began (its first failure after its last success; or since `since`) and
    every one closed unattempted while it was off. None when it is not theirs."""
    now = now or datetime.now(UTC)
    found = await endpoint_store.endpoint(
        session, partner_id=partner_id, subscription_id=subscription_id
    )
    if found is None:
        return None
    await endpoint_store.set_disabled(
        session, subscription_id=subscription_id, partner_id=partner_id, at=now, reason=None
    )
    since = since or _trouble_began(found) or now - DEFAULT_RECOVERY
    count = await endpoint_store.requeue_failed(
        session,
        subscription_id=subscription_id,
        since=since,
        now=now,
        closed_while_disabled=found.disabled_at is not None,
    )
    return Recovered(subscription_id=subscription_id, since=since, requeued=count)


async def apply_subscription_change(
    session: AsyncSession, event: Event[Any], *, box: SecretBox
) -> None:
    """Apply a subscription change to the registry copy, keeping a replaced signing secret
    (for the rotation grace: deliveries are signed with both for a while)."""
    data = event.data
    if not isinstance(data, SubscriptionChangedV1):
        await registry_copy.apply(session, event)
        return
    before = await store.subscription_state(session, data.subscription_id)
    await registry_copy.apply(session, event)
    after = await store.subscription_state(session, data.subscription_id)
    if before is None or after is None or not before.secret_encrypted:
        return
    # Fernet ciphertexts differ for the same secret: compare what they hold.
    try:
        changed = box.decrypt(before.secret_encrypted) != box.decrypt(after.secret_encrypted)
    except ValueError:
        return  # an unreadable secret signs nothing anyway
    if changed:
        await endpoint_store.retire_secret(
            session,
            subscription_id=data.subscription_id,
            secret_encrypted=before.secret_encrypted,
            at=datetime.now(UTC),
        )
