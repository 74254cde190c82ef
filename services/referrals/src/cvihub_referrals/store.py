"""Every query of the referrals service."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_referrals.models import referrals, status_history


@dataclass(frozen=True)
class ReferralRecord:
    """One stored referral."""

    referral_id: str
    referring_partner_id: str
    recipient_partner_id: str
    status: str
    urgency: str
    payload: dict[str, Any]
    submitted_at: datetime
    updated_at: datetime
    submitted_event_id: str
    correlation_id: str
    version: int


@dataclass(frozen=True)
class HistoryRecord:
    """One status change of a referral."""

    at: datetime
    from_status: str | None
    to_status: str
    reason: str | None
    note: str | None
    by_partner_id: str
    event_id: str


def _referral(row: RowMapping) -> ReferralRecord:
    return ReferralRecord(
        referral_id=row["referral_id"],
        referring_partner_id=row["referring_partner_id"],
        recipient_partner_id=row["recipient_partner_id"],
        status=row["status"],
        urgency=row["urgency"],
        payload=dict(row["payload"]),
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
        submitted_event_id=row["submitted_event_id"],
        correlation_id=row["correlation_id"],
        version=row["version"],
    )


async def insert_referral(session: AsyncSession, record: ReferralRecord) -> bool:
    """Store a new referral; False (and no change) when its id is already stored."""
    exists = await session.scalar(
        select(referrals.c.referral_id).where(referrals.c.referral_id == record.referral_id)
    )
    if exists is not None:
        return False
    await session.execute(
        referrals.insert().values(
            referral_id=record.referral_id,
            referring_partner_id=record.referring_partner_id,
            recipient_partner_id=record.recipient_partner_id,
            status=record.status,
            urgency=record.urgency,
            payload=record.payload,
            submitted_at=record.submitted_at,
            updated_at=record.updated_at,
            submitted_event_id=record.submitted_event_id,
            correlation_id=record.correlation_id,
            version=record.version,
        )
    )
    return True


async def add_history(session: AsyncSession, referral_id: str, entry: HistoryRecord) -> None:
    """Append one row to a referral's status history."""
    await session.execute(
        status_history.insert().values(
            referral_id=referral_id,
            at=entry.at,
            from_status=entry.from_status,
            to_status=entry.to_status,
            reason=entry.reason,
            note=entry.note,
            by_partner_id=entry.by_partner_id,
            event_id=entry.event_id,
        )
    )


async def get_referral(session: AsyncSession, referral_id: str) -> ReferralRecord | None:
    """One referral by id, or None."""
    row = (
        (await session.execute(select(referrals).where(referrals.c.referral_id == referral_id)))
        .mappings()
        .first()
    )
    return None if row is None else _referral(row)


async def list_referrals(
    session: AsyncSession,
    *,
    partner_id: str,
    sent: bool,
    received: bool,
    status: str | None,
    limit: int,
) -> list[ReferralRecord]:
    """Referrals the partner sent and/or received, newest first."""
    parties = []
    if sent:
        parties.append(referrals.c.referring_partner_id == partner_id)
    if received:
        parties.append(referrals.c.recipient_partner_id == partner_id)
    query = (
        select(referrals)
        .where(or_(*parties))
        .order_by(referrals.c.submitted_at.desc(), referrals.c.referral_id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(referrals.c.status == status)
    rows = (await session.execute(query)).mappings().all()
    return [_referral(row) for row in rows]


async def history(session: AsyncSession, referral_id: str) -> Sequence[HistoryRecord]:
    """A referral's status changes, oldest first."""
    rows = (
        await session.execute(
            select(status_history)
            .where(status_history.c.referral_id == referral_id)
            .order_by(status_history.c.id)
        )
    ).mappings()
    return [
        HistoryRecord(
            at=row["at"],
            from_status=row["from_status"],
            to_status=row["to_status"],
            reason=row["reason"],
            note=row["note"],
            by_partner_id=row["by_partner_id"],
            event_id=row["event_id"],
        )
        for row in rows
    ]


async def set_status(
    session: AsyncSession,
    referral_id: str,
    *,
    expected_version: int,
    status: str,
    updated_at: datetime,
) -> bool:
    """Move a referral to a status if nobody changed it since `expected_version` was read."""
    result = await session.execute(
        update(referrals)
        .where(referrals.c.referral_id == referral_id, referrals.c.version == expected_version)
        .values(status=status, updated_at=updated_at, version=expected_version + 1)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
