"""Queries of operational notices: recording one once, listing them, and their mailing."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications.models import notices


@dataclass(frozen=True)
class NoticeRecord:
    """One operational notice (ids and a reason; never event data or an address)."""

    notice_id: str
    kind: str
    partner_id: str
    subscription_id: str
    delivery_id: str | None
    event_id: str | None
    event_type: str | None
    reason: str
    created_at: datetime
    partner_mailed_at: datetime | None
    admin_mailed_at: datetime | None


_COLUMNS = [notices.c[name] for name in NoticeRecord.__dataclass_fields__]


def _record(row: object) -> NoticeRecord:
    return NoticeRecord(**{name: getattr(row, name) for name in NoticeRecord.__dataclass_fields__})


async def add(session: AsyncSession, values: dict[str, object]) -> bool:
    """Record a notice unless one with its dedupe_key exists; whether it was new."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(notices).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return bool(getattr(result, "rowcount", 0))


def _page(
    query: Select[tuple[object, ...]], *, before: str | None, limit: int
) -> Select[tuple[object, ...]]:
    if before is not None:
        anchor = select(notices.c.created_at).where(notices.c.notice_id == before).scalar_subquery()
        query = query.where(notices.c.created_at < anchor)
    return query.order_by(notices.c.created_at.desc(), notices.c.notice_id).limit(limit)


async def listed(
    session: AsyncSession, *, partner_id: str | None, before: str | None, limit: int
) -> list[NoticeRecord]:
    """Newest first: the partner's notices (every partner's when None), older than `before`."""
    query = select(*_COLUMNS)
    if partner_id is not None:
        query = query.where(notices.c.partner_id == partner_id)
    rows = await session.execute(_page(query, before=before, limit=limit))
    return [_record(row) for row in rows]


async def get(session: AsyncSession, notice_id: str) -> NoticeRecord | None:
    """One notice, or None."""
    row = (await session.execute(select(*_COLUMNS).where(notices.c.notice_id == notice_id))).first()
    return None if row is None else _record(row)


async def mailed_since(
    session: AsyncSession, *, partner_id: str, subscription_id: str, kind: str, since: datetime
) -> bool:
    """Whether a notice of this kind about this endpoint since `since` is or was to be mailed."""
    found = await session.scalar(
        select(notices.c.notice_id)
        .where(
            notices.c.partner_id == partner_id,
            notices.c.created_at >= since,
            notices.c.subscription_id == subscription_id,
            notices.c.kind == kind,
            or_(
                notices.c.next_mail_at.is_not(None),
                notices.c.partner_mailed_at.is_not(None),
                notices.c.admin_mailed_at.is_not(None),
            ),
        )
        .limit(1)
    )
    return found is not None


async def due_mail(session: AsyncSession, *, now: datetime, limit: int) -> list[NoticeRecord]:
    """Notices with mail still to send, due now, oldest first."""
    rows = await session.execute(
        select(*_COLUMNS)
        .where(notices.c.next_mail_at.is_not(None), notices.c.next_mail_at <= now)
        .order_by(notices.c.next_mail_at)
        .limit(limit)
    )
    return [_record(row) for row in rows]


async def mailed(
    session: AsyncSession,
    *,
    notice_id: str,
    partner_at: datetime | None,
    admin_at: datetime | None,
    next_mail_at: datetime | None,
    error: str | None,
) -> None:
    """Record a mailing round: who got it (kept once set), and when to try again (or never)."""
    values: dict[str, object] = {
        "next_mail_at": next_mail_at,
        "mail_error": error[:200] if error else None,
        "mail_attempts": notices.c.mail_attempts + 1,
    }
    if partner_at is not None:
        values["partner_mailed_at"] = partner_at
    if admin_at is not None:
        values["admin_mailed_at"] = admin_at
    await session.execute(update(notices).where(notices.c.notice_id == notice_id).values(**values))


async def mail_attempts(session: AsyncSession, notice_id: str) -> int:
    """How many mailing rounds the notice has had."""
    return int(
        await session.scalar(
            select(notices.c.mail_attempts).where(notices.c.notice_id == notice_id)
        )
        or 0
    )
