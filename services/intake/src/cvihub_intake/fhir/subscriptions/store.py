"""Queries of FHIR Subscriptions and their notifications (the only place with them)."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_intake.fhir.subscriptions.resources import NewSubscription
from cvihub_intake.models import fhir_notifications as notifications
from cvihub_intake.models import fhir_subscriptions as subscriptions

PENDING, SENT, FAILED = "pending", "sent", "failed"
LIVE = ("active", "error")
"""Subscriptions that are notified (error: a notification was given up, later ones still go)."""


async def count_of(session: AsyncSession, partner_id: str) -> int:
    """How many Subscriptions the partner holds."""
    query = select(func.count()).where(subscriptions.c.partner_id == partner_id)
    return int(await session.scalar(query) or 0)


async def create(
    session: AsyncSession, *, partner_id: str, new: NewSubscription, now: datetime
) -> str:
    """Store an active Subscription; its id."""
    subscription_id = str(uuid.uuid4())
    await session.execute(
        subscriptions.insert().values(
            subscription_id=subscription_id,
            partner_id=partner_id,
            status="active",
            reason=new.reason,
            owner_filter=new.owner_filter,
            requester_filter=new.requester_filter,
            endpoint=new.endpoint,
            end=new.end,
            events_since_start=0,
            error=None,
            created_at=now,
        )
    )
    return subscription_id


async def find(session: AsyncSession, subscription_id: str) -> RowMapping | None:
    """A Subscription, whoever holds it."""
    query = select(subscriptions).where(subscriptions.c.subscription_id == subscription_id)
    return (await session.execute(query)).mappings().first()


async def of_partner(session: AsyncSession, partner_id: str) -> list[RowMapping]:
    """The partner's Subscriptions, oldest first."""
    query = (
        select(subscriptions)
        .where(subscriptions.c.partner_id == partner_id)
        .order_by(subscriptions.c.created_at, subscriptions.c.subscription_id)
    )
    return list((await session.execute(query)).mappings().all())


async def remove(session: AsyncSession, subscription_id: str) -> None:
    """Delete a Subscription and whatever it has not sent yet."""
    await session.execute(
        delete(notifications).where(notifications.c.subscription_id == subscription_id)
    )
    await session.execute(
        delete(subscriptions).where(subscriptions.c.subscription_id == subscription_id)
    )


async def plan(
    session: AsyncSession, *, task_id: str, requester: str, owner: str, at: datetime
) -> int:
    """One notification to each live Subscription of the Task's requester or owner whose
    filters match; how many were planned."""
    query = select(subscriptions).where(
        subscriptions.c.partner_id.in_({requester, owner}),
        subscriptions.c.status.in_(LIVE),
        or_(subscriptions.c.end.is_(None), subscriptions.c.end > at),
        or_(subscriptions.c.owner_filter.is_(None), subscriptions.c.owner_filter == owner),
        or_(
            subscriptions.c.requester_filter.is_(None),
            subscriptions.c.requester_filter == requester,
        ),
    )
    planned = 0
    for row in (await session.execute(query)).mappings().all():
        number = row["events_since_start"] + 1
        await session.execute(
            update(subscriptions)
            .where(subscriptions.c.subscription_id == row["subscription_id"])
            .values(events_since_start=subscriptions.c.events_since_start + 1)
        )
        await session.execute(
            notifications.insert().values(
                subscription_id=row["subscription_id"],
                event_number=number,
                task_id=task_id,
                event_at=at,
                status=PENDING,
                attempts=0,
                next_attempt_at=at,
            )
        )
        planned += 1
    return planned


async def claim_due(
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int
) -> list[tuple[RowMapping, RowMapping]]:
    """Due notifications with their Subscriptions, each leased to this worker (a concurrent
    worker that read the same row loses the update and skips it)."""
    query = (
        select(notifications)
        .where(notifications.c.status == PENDING, notifications.c.next_attempt_at <= now)
        .order_by(notifications.c.next_attempt_at, notifications.c.notification_id)
        .limit(limit)
    )
    claimed = []
    for row in (await session.execute(query)).mappings().all():
        result = await session.execute(
            update(notifications)
            .where(
                notifications.c.notification_id == row["notification_id"],
                notifications.c.next_attempt_at == row["next_attempt_at"],
            )
            .values(next_attempt_at=now + lease)
        )
        subscription = await find(session, row["subscription_id"])
        if getattr(result, "rowcount", 0) and subscription is not None:
            claimed.append((row, subscription))
    return claimed


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending notification is due."""
    query = select(func.min(notifications.c.next_attempt_at)).where(
        notifications.c.status == PENDING
    )
    value = await session.scalar(query)
    return value if isinstance(value, datetime) else None


async def sent(session: AsyncSession, notification: RowMapping) -> None:
    """The notification was delivered; its Subscription is active again."""
    await session.execute(
        update(notifications)
        .where(notifications.c.notification_id == notification["notification_id"])
        .values(status=SENT, attempts=notification["attempts"] + 1, last_error=None)
    )
    await session.execute(
        update(subscriptions)
        .where(
            subscriptions.c.subscription_id == notification["subscription_id"],
            subscriptions.c.status == "error",
        )
        .values(status="active", error=None)
    )


async def failed(
    session: AsyncSession, notification: RowMapping, *, error: str, retry_at: datetime | None
) -> None:
    """An attempt failed: try again at retry_at, or give up (the Subscription shows error)."""
    values = {"attempts": notification["attempts"] + 1, "last_error": error[:200]}
    if retry_at is not None:
        values |= {"next_attempt_at": retry_at}
    else:
        values |= {"status": FAILED}
        await session.execute(
            update(subscriptions)
            .where(
                subscriptions.c.subscription_id == notification["subscription_id"],
                subscriptions.c.status.in_(LIVE),
            )
            .values(
                status="error", error=f"notification {notification['event_number']}: {error}"[:200]
            )
        )
    await session.execute(
        update(notifications)
        .where(notifications.c.notification_id == notification["notification_id"])
        .values(**values)
    )


async def purge_done(session: AsyncSession, *, before: datetime) -> int:
    """Forget notifications sent or given up before this time; how many."""
    result = await session.execute(
        delete(notifications).where(
            notifications.c.status.in_((SENT, FAILED)), notifications.c.event_at < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
