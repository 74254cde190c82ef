"""Every query on subscriptions."""

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_registry.domain import RevocableStatus, Subscription
from cvihub_registry.models import subscriptions
from cvihub_registry.store import row_values


def _subscription(row: Row[Any]) -> Subscription:
    values = row_values(row)
    values["stream"] = Stream(values["stream"])
    values["status"] = RevocableStatus(values["status"])
    values["channel"] = Channel(values["channel"])
    return Subscription(**values)


async def get_subscription(session: AsyncSession, subscription_id: str) -> Subscription | None:
    """One subscription by id."""
    row = (
        await session.execute(
            select(subscriptions).where(subscriptions.c.subscription_id == subscription_id)
        )
    ).first()
    return _subscription(row) if row else None


async def active_subscription(
    session: AsyncSession, *, partner_id: str, stream: Stream, url: str
) -> Subscription | None:
    """The partner's active subscription for a stream and URL, if any."""
    row = (
        await session.execute(
            select(subscriptions).where(
                subscriptions.c.partner_id == partner_id,
                subscriptions.c.stream == stream.value,
                subscriptions.c.url == url,
                subscriptions.c.status == RevocableStatus.ACTIVE.value,
            )
        )
    ).first()
    return _subscription(row) if row else None


async def list_subscriptions(
    session: AsyncSession, *, partner_id: str | None = None
) -> list[Subscription]:
    """Subscriptions, oldest first, optionally of one partner."""
    query = select(subscriptions).order_by(
        subscriptions.c.created_at, subscriptions.c.subscription_id
    )
    if partner_id is not None:
        query = query.where(subscriptions.c.partner_id == partner_id)
    return [_subscription(row) for row in await session.execute(query)]
