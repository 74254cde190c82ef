"""Every query of the notifications service."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications.models import (
    DeliveryStatus,
    deliveries,
    delivery_attempts,
    registry_copy,
)
from cvihub_runtime.sealed import open_values, seal_values

PENDING = DeliveryStatus.PENDING.value


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


INSERT_ROWS_PER_STATEMENT = 500
"""Deliveries per INSERT: one statement for a whole fan-out, within SQLite's bound-variable
limit (32,766) at the deliveries table's width."""


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert deliveries, skipping any that exists for the same event and subscription; return
    how many were added. A few statements for a whole fan-out, not one per recipient."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for start in range(0, len(rows), INSERT_ROWS_PER_STATEMENT):
        result = await session.execute(
            insert(deliveries)
            .values(
                [
                    seal_values(session, deliveries, row)
                    for row in rows[start : start + INSERT_ROWS_PER_STATEMENT]
                ]
            )
            .on_conflict_do_nothing(index_elements=["event_id", "subscription_id"])
        )
        added += max(0, int(getattr(result, "rowcount", 0) or 0))
    return added


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


def _record(session: AsyncSession, row: Any) -> DeliveryRecord:
    values = {f.name: getattr(row, f.name) for f in fields(DeliveryRecord)}
    values = open_values(session, deliveries, values)
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
    subscription_id: str | None = None,
) -> list[DeliveryRecord]:
    """A partner's own deliveries, newest first."""
    query = select(*_LISTED).where(deliveries.c.partner_id == partner_id)
    if subscription_id is not None:
        query = query.where(deliveries.c.subscription_id == subscription_id)
    if event_id is not None:
        query = query.where(deliveries.c.event_id == event_id)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    query = query.order_by(deliveries.c.created_at.desc(), deliveries.c.delivery_id.desc())
    rows = (await session.execute(query.limit(limit))).all()
    return [_record(session, row) for row in rows]


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
    return None if row is None else _record(session, row)


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
