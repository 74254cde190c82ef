"""Planning: one stored delivery per recipient subscription, its body already cut to what
that recipient may see on that channel, in the transaction that applies the event.

Everything an attempt needs later is decided here and stored on the delivery: the redacted,
rendered body (encrypted), the channel, and the consent record it rests on.
"""

import hashlib
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Envelope, Event
from cvihub_contracts.redaction import redact
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications import audit, store
from cvihub_notifications.channels.base import Transport
from cvihub_notifications.consent import quoted_consent
from cvihub_notifications.models import DeliveryStatus, registry_copy
from cvihub_notifications.routing import route_event, without_funders
from cvihub_notifications.views import View, recipient_view
from cvihub_registry_copy import Subscriber
from cvihub_runtime.secretbox import SecretBox

log = structlog.get_logger(__name__)

CONSENT_COPY_GRACE = timedelta(minutes=5)
"""How long a referral may wait for its consent record to reach this copy before it is
refused as unknown. Intake accepted it only once its own copy knew the record, so an unknown
id in a fresh referral means this copy lags behind the registry's stream."""


class ConsentNotYetCopied(Exception):
    """A fresh referral quotes a consent record this copy has not applied yet: retry later."""


async def _consent_copied(session: AsyncSession, *, event: Event[Any], now: datetime) -> None:
    data = event.data
    if not isinstance(data, ReferralSubmittedV1) or data.consent.consent_id is None:
        return
    if now - event.envelope.time > CONSENT_COPY_GRACE:
        return
    if await registry_copy.consent(session, data.consent.consent_id) is None:
        raise ConsentNotYetCopied("the referral's consent record has not reached this copy yet")


def ordering_key(envelope: Envelope) -> str:
    """What keeps deliveries to one endpoint in order: revisions of one incident share their
    partition key (publisher and incident). Hashed: the key may hold a CJI incident number."""
    return hashlib.sha256(envelope.partitionkey.encode()).hexdigest()


def _status_columns(transport: Transport, *, now: datetime) -> dict[str, Any]:
    # An inbox item is delivered the moment it is stored; the rest are due at once.
    if transport.delivered_when_stored:
        return {
            "status": DeliveryStatus.DELIVERED.value,
            "next_attempt_at": None,
            "delivered_at": now,
        }
    return {"status": DeliveryStatus.PENDING.value, "next_attempt_at": now, "delivered_at": None}


def _delivery(
    event: Event[Any], target: Subscriber, *, body: str, transport: Transport, now: datetime
) -> dict[str, Any]:
    envelope = event.envelope
    quoted = quoted_consent(data=event.data, partner_id=target.partner_id)
    return {
        "delivery_id": str(uuid.uuid4()),
        "event_id": envelope.id,
        "event_type": envelope.type,
        "event_time": envelope.time,
        "subscription_id": target.subscription_id,
        "partner_id": target.partner_id,
        "url": target.url,
        "channel": target.channel.value,
        "body": body,
        "attempts": 0,
        "created_at": now,
        "consent_id": quoted.consent_id if quoted is not None else None,
        "consent_custodian_id": quoted.custodian_partner_id if quoted is not None else None,
        "ordering_key": None if transport.delivered_when_stored else ordering_key(envelope),
        **_status_columns(transport, now=now),
    }


async def plan_deliveries(
    *,
    session: AsyncSession,
    event: Event[Any],
    box: SecretBox,
    transports: Mapping[Channel, Transport],
    now: datetime | None = None,
) -> int:
    """Store one delivery per recipient subscription; return how many were added."""
    now = now or datetime.now(UTC)
    envelope = event.envelope
    await _consent_copied(session, event=event, now=now)
    routing = await route_event(session=session, data=event.data, now=now)
    kinds = await store.partner_kinds(session, {s.partner_id for s in routing.targets})
    routing = without_funders(routing, kinds)
    if routing.refusals:
        # One line per event, not one per partner: on a stream with hundreds of subscribers
        # most are outside an alert's zone, and a line each was a hot spot of the profile
        # (docs/performance.md). Each refusal is counted by reason in metrics (audit.py).
        log.info(
            "deliveries refused",
            event_id=envelope.id,
            event_type=envelope.type,
            reasons=dict(Counter(refusal.reason for refusal in routing.refusals)),
        )
    # Named partners refused (consent, no subscribe grant) go to the audit log in this
    # transaction; routing facts (out of scope, no subscription) are only counted: see audit.py.
    await audit.stage_refusals(session, envelope=envelope, refusals=routing.refusals, now=now)
    # Recipients with the same view on the same channel get the same body: rendered once.
    bodies: dict[tuple[Channel, View], str] = {}
    rows: list[dict[str, Any]] = []
    for target in routing.targets:
        transport = transports[target.channel]
        view = recipient_view(
            data=event.data,
            partner_id=target.partner_id,
            recipient_kind=kinds.get(target.partner_id),
            grant=routing.terms.get(target.partner_id),
            channel=target.channel,
            consent=routing.consent,
        )
        body = bodies.get((target.channel, view))
        if body is None:
            body = transport.render(envelope=envelope, redacted=redact(event.data, view))
            bodies[(target.channel, view)] = body
        rows.append(_delivery(event, target, body=box.encrypt(body), transport=transport, now=now))
    added = await store.add_deliveries(session, rows)
    log.info("deliveries planned", event_id=envelope.id, event_type=envelope.type, count=added)
    return added
