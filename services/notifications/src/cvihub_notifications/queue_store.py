"""The worker's queue: taking due deliveries (per-endpoint lanes, in order per incident) and
moving them on after each attempt."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications.models import DeliveryStatus, deliveries, delivery_attempts
from cvihub_runtime.db import key_ring_of
from cvihub_runtime.sealed import open_text

PENDING = DeliveryStatus.PENDING.value
ERROR_LENGTH = 200
"""The width of the error columns: a longer reason is cut."""
CANDIDATES_PER_SLOT = 4
"""How many due rows are read per free slot, so a full lane's rows leave room for others."""


@dataclass(frozen=True)
class Claimed:
    """A due delivery this worker now holds until its lease runs out."""

    delivery_id: str
    event_id: str
    event_type: str
    event_time: datetime
    subscription_id: str
    partner_id: str
    url: str
    body_encrypted: str
    attempts: int
    channel: str = "webhook"
    consent_id: str | None = None
    """The consent record a referral's delivery rests on, checked again before each attempt."""
    consent_custodian_id: str | None = None


def _short(error: str | None) -> str | None:
    if error is None or len(error) <= ERROR_LENGTH:
        return error
    return error[: ERROR_LENGTH - 3] + "..."


def _in_order() -> ColumnElement[bool]:
    # Not while an earlier delivery with the same ordering key to the same subscription is
    # still pending (waiting for a retry or in flight): revision n never after n+1.
    earlier = deliveries.alias("earlier")
    return or_(
        deliveries.c.ordering_key.is_(None),
        ~exists().where(
            earlier.c.subscription_id == deliveries.c.subscription_id,
            earlier.c.ordering_key == deliveries.c.ordering_key,
            earlier.c.status == PENDING,
            earlier.c.created_at < deliveries.c.created_at,
        ),
    )


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease_until: datetime,
    skip_channels: Collection[str] = (),
    blocked: Collection[str] = (),
    in_flight: Mapping[str, int] | None = None,
    endpoint_cap: int | None = None,
) -> list[Claimed]:
    """Take up to `limit` due pending deliveries, pushing them out of reach until the lease ends.

    `skip_channels`: channels this worker cannot send (e-mail without SMTP): left pending.
    `blocked`: subscriptions not to take now (breaker open, lane full); `in_flight` and
    `endpoint_cap`: no subscription gets more than the cap in flight."""
    due = [deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now, _in_order()]
    if skip_channels:
        due.append(deliveries.c.channel.not_in(list(skip_channels)))
    if blocked:
        due.append(deliveries.c.subscription_id.not_in(list(blocked)))
    rows = (
        await session.execute(
            select(deliveries)
            .where(*due)
            .order_by(deliveries.c.next_attempt_at, deliveries.c.created_at)
            .limit(limit * CANDIDATES_PER_SLOT)
            # Two replicas never take the same row; SQLite ignores this (one writer at a time).
            .with_for_update(skip_locked=True, of=deliveries)
        )
    ).all()
    taken = dict(in_flight or {})
    chosen: list[Any] = []
    for row in rows:
        if len(chosen) >= limit:
            break
        if endpoint_cap is not None and taken.get(row.subscription_id, 0) >= endpoint_cap:
            continue  # this endpoint's lane is full: the rest of its rows wait
        taken[row.subscription_id] = taken.get(row.subscription_id, 0) + 1
        chosen.append(row)
    if not chosen:
        return []
    await session.execute(
        update(deliveries)
        .where(deliveries.c.delivery_id.in_([row.delivery_id for row in chosen]))
        .values(next_attempt_at=lease_until)
    )
    keys = key_ring_of(session)
    return [
        Claimed(
            delivery_id=row.delivery_id,
            event_id=row.event_id,
            event_type=row.event_type,
            event_time=row.event_time,
            subscription_id=row.subscription_id,
            partner_id=row.partner_id,
            url=open_text(keys, row.url),
            body_encrypted=row.body,
            attempts=row.attempts,
            channel=row.channel,
            consent_id=row.consent_id,
            consent_custodian_id=row.consent_custodian_id,
        )
        for row in chosen
    ]


async def record_attempt(
    session: AsyncSession,
    *,
    delivery_id: str,
    attempt_no: int,
    at: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    status: str,
    next_attempt_at: datetime | None,
    delivered_at: datetime | None,
) -> None:
    """Store an attempt and move its delivery on."""
    await session.execute(
        delivery_attempts.insert().values(
            delivery_id=delivery_id,
            attempt_no=attempt_no,
            at=at,
            status_code=status_code,
            error=_short(error),
            duration_ms=duration_ms,
        )
    )
    await session.execute(
        update(deliveries)
        .where(deliveries.c.delivery_id == delivery_id)
        .values(
            attempts=attempt_no,
            status=status,
            next_attempt_at=next_attempt_at,
            last_status_code=status_code,
            last_error=_short(error),
            delivered_at=delivered_at,
        )
    )


async def close_delivery(
    session: AsyncSession, *, delivery_id: str, status: str, error: str
) -> None:
    """End a delivery without another attempt."""
    await session.execute(
        update(deliveries)
        .where(deliveries.c.delivery_id == delivery_id)
        .values(status=status, next_attempt_at=None, last_error=_short(error))
    )


async def pending_count(session: AsyncSession, channel: str) -> int:
    """How many deliveries of a channel wait to be sent."""
    found = await session.scalar(
        select(func.count())
        .select_from(deliveries)
        .where(deliveries.c.channel == channel, deliveries.c.status == PENDING)
    )
    return int(found or 0)
