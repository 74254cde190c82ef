"""Every query of the referrals service."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_referrals.models import activities, referrals, status_history
from cvihub_referrals.sealing import seal, seal_json, unseal, unseal_json


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
    accepted_at: datetime | None = None
    first_contact_at: datetime | None = None


@dataclass(frozen=True)
class ActivityRecord:
    """A contact attempt, a service delivered, or a case note of the recipient."""

    kind: str
    occurred_at: datetime
    recorded_at: datetime
    by_partner_id: str
    method: str | None = None
    outcome: str | None = None
    service_type: str | None = None
    service_date: date | None = None
    note: str | None = None
    event_id: str | None = None


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


def _referral(session: AsyncSession, row: RowMapping) -> ReferralRecord:
    return ReferralRecord(
        referral_id=row["referral_id"],
        referring_partner_id=row["referring_partner_id"],
        recipient_partner_id=row["recipient_partner_id"],
        status=row["status"],
        urgency=row["urgency"],
        payload=unseal_json(session, row["payload"]),
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
        submitted_event_id=row["submitted_event_id"],
        correlation_id=row["correlation_id"],
        version=row["version"],
        accepted_at=row["accepted_at"],
        first_contact_at=row["first_contact_at"],
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
            payload=seal_json(session, record.payload),
            requested_services=[str(s) for s in record.payload.get("requested_services", [])],
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
            note=seal(session, entry.note),
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
    return None if row is None else _referral(session, row)


async def list_referrals(
    session: AsyncSession,
    *,
    partner_id: str,
    sent: bool,
    received: bool,
    status: str | None,
    limit: int,
    urgency: str | None = None,
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
    if urgency is not None:
        query = query.where(referrals.c.urgency == urgency)
    rows = (await session.execute(query)).mappings().all()
    return [_referral(session, row) for row in rows]


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
            note=unseal(session, row["note"]),
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
    **milestones: datetime | str,
) -> bool:
    """Move a referral to a status if nobody changed it since `expected_version` was read."""
    result = await session.execute(
        update(referrals)
        .where(referrals.c.referral_id == referral_id, referrals.c.version == expected_version)
        .values(status=status, updated_at=updated_at, version=expected_version + 1, **milestones)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def add_activity(session: AsyncSession, referral_id: str, entry: ActivityRecord) -> None:
    """Append an attempt, a service or a note to a referral."""
    await session.execute(
        activities.insert().values(
            referral_id=referral_id,
            kind=entry.kind,
            occurred_at=entry.occurred_at,
            recorded_at=entry.recorded_at,
            by_partner_id=entry.by_partner_id,
            method=entry.method,
            outcome=entry.outcome,
            service_type=entry.service_type,
            service_date=entry.service_date,
            note=seal(session, entry.note),
            event_id=entry.event_id,
        )
    )


async def first_contact(session: AsyncSession, referral_id: str, at: datetime) -> None:
    """Record when the person was first reached, unless an earlier time is already recorded."""
    current = await session.scalar(
        select(referrals.c.first_contact_at).where(referrals.c.referral_id == referral_id)
    )
    if current is None or at < current:
        await session.execute(
            update(referrals)
            .where(referrals.c.referral_id == referral_id)
            .values(first_contact_at=at)
        )


async def activities_of(session: AsyncSession, referral_id: str) -> list[ActivityRecord]:
    """A referral's attempts, services and notes, oldest recorded first."""
    rows = (
        await session.execute(
            select(activities)
            .where(activities.c.referral_id == referral_id)
            .order_by(activities.c.id)
        )
    ).mappings()
    return [
        ActivityRecord(
            kind=row["kind"],
            occurred_at=row["occurred_at"],
            recorded_at=row["recorded_at"],
            by_partner_id=row["by_partner_id"],
            method=row["method"],
            outcome=row["outcome"],
            service_type=row["service_type"],
            service_date=row["service_date"],
            note=unseal(session, row["note"]),
            event_id=row["event_id"],
        )
        for row in rows
    ]
