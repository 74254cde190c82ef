"""Every query of the notifications service."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications.models import (
    DeliveryStatus,
    deliveries,
    delivery_attempts,
    registry_copy,
)

PENDING = DeliveryStatus.PENDING.value


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


@dataclass(frozen=True)
class SubscriptionState:
    """What the registry copy says about a subscription now."""

    status: str
    secret_encrypted: str


@dataclass(frozen=True)
class DeliveryRecord:
    """A delivery as the API shows it (never the body)."""

    delivery_id: str
    event_id: str
    event_type: str
    subscription_id: str
    partner_id: str
    url: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    channel: str = "webhook"


@dataclass(frozen=True)
class AttemptRecord:
    """One HTTP attempt of a delivery."""

    attempt_no: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


async def partner_kinds(session: AsyncSession, partner_ids: Iterable[str]) -> dict[str, str]:
    """The kind of each partner in the registry copy."""
    table = registry_copy.partners
    rows = await session.execute(
        select(table.c.partner_id, table.c.kind).where(table.c.partner_id.in_(set(partner_ids)))
    )
    return {row.partner_id: row.kind for row in rows}


async def add_delivery(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a delivery unless one exists for the same event and subscription."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(deliveries)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event_id", "subscription_id"])
    )
    return bool(getattr(result, "rowcount", 0))


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease_until: datetime,
    skip_channels: Collection[str] = (),
) -> list[Claimed]:
    """Take up to `limit` due pending deliveries, pushing them out of reach until the lease ends.

    `skip_channels`: channels this worker cannot send (e-mail without SMTP): left pending."""
    due = [deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now]
    if skip_channels:
        due.append(deliveries.c.channel.not_in(list(skip_channels)))
    rows = (
        await session.execute(
            select(deliveries)
            .where(*due)
            .order_by(deliveries.c.next_attempt_at, deliveries.c.created_at)
            .limit(limit)
            # Two replicas never take the same row; SQLite ignores this (one writer at a time).
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not rows:
        return []
    await session.execute(
        update(deliveries)
        .where(deliveries.c.delivery_id.in_([row.delivery_id for row in rows]))
        .values(next_attempt_at=lease_until)
    )
    return [
        Claimed(
            delivery_id=row.delivery_id,
            event_id=row.event_id,
            event_type=row.event_type,
            event_time=row.event_time,
            subscription_id=row.subscription_id,
            partner_id=row.partner_id,
            url=row.url,
            body_encrypted=row.body,
            attempts=row.attempts,
            channel=row.channel,
            consent_id=row.consent_id,
            consent_custodian_id=row.consent_custodian_id,
        )
        for row in rows
    ]


async def subscription_state(
    session: AsyncSession, subscription_id: str
) -> SubscriptionState | None:
    """The subscription's status and encrypted secret in the registry copy."""
    table = registry_copy.subscriptions
    row = (
        await session.execute(
            select(table.c.status, table.c.secret_encrypted).where(
                table.c.subscription_id == subscription_id
            )
        )
    ).first()
    if row is None:
        return None
    return SubscriptionState(status=row.status, secret_encrypted=row.secret_encrypted)


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
            error=error,
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
            last_error=error,
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
        .values(status=status, next_attempt_at=None, last_error=error)
    )


def _record(row: Any) -> DeliveryRecord:
    values = {f.name: getattr(row, f.name) for f in fields(DeliveryRecord)}
    if row.status != PENDING:
        values["next_attempt_at"] = None  # a lease's end is no attempt time
    return DeliveryRecord(**values)


_LISTED = [c for c in deliveries.c if c.name != "body"]  # never the body in a listing


async def list_deliveries(
    session: AsyncSession,
    *,
    partner_id: str,
    event_id: str | None,
    status: str | None,
    limit: int,
) -> list[DeliveryRecord]:
    """A partner's own deliveries, newest first."""
    query = select(*_LISTED).where(deliveries.c.partner_id == partner_id)
    if event_id is not None:
        query = query.where(deliveries.c.event_id == event_id)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    query = query.order_by(deliveries.c.created_at.desc(), deliveries.c.delivery_id.desc())
    rows = (await session.execute(query.limit(limit))).all()
    return [_record(row) for row in rows]


async def get_delivery(
    session: AsyncSession, *, partner_id: str, delivery_id: str
) -> DeliveryRecord | None:
    """One of the partner's own deliveries, or None (also when it is another partner's)."""
    row = (
        await session.execute(
            select(*_LISTED).where(
                deliveries.c.delivery_id == delivery_id, deliveries.c.partner_id == partner_id
            )
        )
    ).first()
    return None if row is None else _record(row)


async def delivery_exists(session: AsyncSession, delivery_id: str) -> bool:
    """Whether any partner has a delivery with this id."""
    found = await session.scalar(
        select(deliveries.c.delivery_id).where(deliveries.c.delivery_id == delivery_id)
    )
    return found is not None


async def list_attempts(session: AsyncSession, delivery_id: str) -> list[AttemptRecord]:
    """The attempts of a delivery, first first."""
    rows = (
        await session.execute(
            select(delivery_attempts)
            .where(delivery_attempts.c.delivery_id == delivery_id)
            .order_by(delivery_attempts.c.attempt_no)
        )
    ).all()
    return [
        AttemptRecord(**{f.name: getattr(row, f.name) for f in fields(AttemptRecord)})
        for row in rows
    ]


async def pending_count(session: AsyncSession, channel: str) -> int:
    """How many deliveries of a channel wait to be sent."""
    found = await session.scalar(
        select(func.count())
        .select_from(deliveries)
        .where(deliveries.c.channel == channel, deliveries.c.status == PENDING)
    )
    return int(found or 0)
