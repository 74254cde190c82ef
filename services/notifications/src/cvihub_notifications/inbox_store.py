"""Queries of a partner's web inbox: its items newest first, bodies still encrypted."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, RowMapping, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications.models import deliveries

INBOX = Channel.INBOX.value
_COLUMNS = (
    deliveries.c.delivery_id,
    deliveries.c.event_id,
    deliveries.c.event_type,
    deliveries.c.event_time,
    deliveries.c.subscription_id,
    deliveries.c.created_at,
    deliveries.c.read_at,
    deliveries.c.body,
)


@dataclass(frozen=True)
class StoredItem:
    """One inbox item as stored: its body is still encrypted."""

    item_id: str
    event_id: str
    event_type: str
    event_time: datetime
    subscription_id: str
    received_at: datetime
    read_at: datetime | None
    body_encrypted: str


def _item(values: RowMapping) -> StoredItem:
    return StoredItem(
        item_id=values["delivery_id"],
        event_id=values["event_id"],
        event_type=values["event_type"],
        event_time=values["event_time"],
        subscription_id=values["subscription_id"],
        received_at=values["created_at"],
        read_at=values["read_at"],
        body_encrypted=values["body"],
    )


def _own(partner_id: str) -> list[ColumnElement[bool]]:
    return [deliveries.c.partner_id == partner_id, deliveries.c.channel == INBOX]


async def page(
    session: AsyncSession,
    *,
    partner_id: str,
    limit: int,
    before: tuple[datetime, str] | None = None,
    unread_only: bool = False,
) -> list[StoredItem]:
    """Up to `limit` of the partner's items, newest first, older than `before` if given."""
    query = select(*_COLUMNS).where(*_own(partner_id))
    if before is not None:
        at, item_id = before
        c = deliveries.c
        query = query.where(
            or_(c.created_at < at, and_(c.created_at == at, c.delivery_id < item_id))
        )
    if unread_only:
        query = query.where(deliveries.c.read_at.is_(None))
    query = query.order_by(deliveries.c.created_at.desc(), deliveries.c.delivery_id.desc())
    return [_item(row._mapping) for row in await session.execute(query.limit(limit))]


async def item(session: AsyncSession, *, partner_id: str, item_id: str) -> StoredItem | None:
    """One of the partner's items, or None (also when it is someone else's)."""
    query = select(*_COLUMNS).where(*_own(partner_id), deliveries.c.delivery_id == item_id)
    row = (await session.execute(query)).first()
    return None if row is None else _item(row._mapping)


async def owner(session: AsyncSession, item_id: str) -> str | None:
    """Whose inbox item this is, if it is one."""
    found = await session.scalar(
        select(deliveries.c.partner_id).where(
            deliveries.c.delivery_id == item_id, deliveries.c.channel == INBOX
        )
    )
    return None if found is None else str(found)


async def mark_read(session: AsyncSession, *, partner_id: str, item_id: str, at: datetime) -> None:
    """Set read_at on the partner's item unless it was read before (the first read stays)."""
    await session.execute(
        update(deliveries)
        .where(*_own(partner_id), deliveries.c.delivery_id == item_id)
        .where(deliveries.c.read_at.is_(None))
        .values(read_at=at)
    )


Position = tuple[datetime, str]
"""Where an item sits in the partner's inbox, oldest first: (received_at, item_id)."""


async def position(session: AsyncSession, *, partner_id: str, item_id: str) -> Position | None:
    """Where one of the partner's items sits; None when it is not one of theirs."""
    row = (
        await session.execute(
            select(deliveries.c.created_at, deliveries.c.delivery_id).where(
                *_own(partner_id), deliveries.c.delivery_id == item_id
            )
        )
    ).first()
    return None if row is None else (row.created_at, row.delivery_id)


async def newest(session: AsyncSession, *, partner_id: str) -> Position | None:
    """Where the partner's newest item sits; None when the inbox is empty."""
    row = (
        await session.execute(
            select(deliveries.c.created_at, deliveries.c.delivery_id)
            .where(*_own(partner_id))
            .order_by(deliveries.c.created_at.desc(), deliveries.c.delivery_id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row.created_at, row.delivery_id)


async def after(
    session: AsyncSession, *, partner_id: str, start: Position | None, limit: int
) -> list[StoredItem]:
    """Up to `limit` of the partner's items after `start` (None = from the first), oldest first."""
    c = deliveries.c
    query = select(*_COLUMNS).where(*_own(partner_id))
    if start is not None:
        at, item_id = start
        query = query.where(
            or_(c.created_at > at, and_(c.created_at == at, c.delivery_id > item_id))
        )
    query = query.order_by(c.created_at, c.delivery_id).limit(limit)
    return [_item(row._mapping) for row in await session.execute(query)]
