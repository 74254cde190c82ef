"""Every query on subscriptions."""

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_registry.domain import RevocableStatus, Subscription
from cvihub_registry.models import subscriptions
from cvihub_registry.store import row_values
from cvihub_runtime.sealed import open_values


def _subscription(session: AsyncSession, row: Row[Any]) -> Subscription:
    values = open_values(session, subscriptions, row_values(row))
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
    return _subscription(session, row) if row else None


async def active_subscription(
    session: AsyncSession, *, partner_id: str, stream: Stream, url: str
) -> Subscription | None:
    """The partner's active subscription for a stream and URL, if any (the URL is sealed, so
    the partner's few active subscriptions of the stream are compared once opened)."""
    rows = await session.execute(
        select(subscriptions)
        .where(
            subscriptions.c.partner_id == partner_id,
            subscriptions.c.stream == stream.value,
            subscriptions.c.status == RevocableStatus.ACTIVE.value,
        )
        .order_by(subscriptions.c.created_at, subscriptions.c.subscription_id)
    )
    found = (_subscription(session, row) for row in rows)
    return next((subscription for subscription in found if subscription.url == url), None)


async def list_subscriptions(
    session: AsyncSession, *, partner_id: str | None = None
) -> list[Subscription]:
    """Subscriptions, oldest first, optionally of one partner."""
    query = select(subscriptions).order_by(
        subscriptions.c.created_at, subscriptions.c.subscription_id
    )
    if partner_id is not None:
        query = query.where(subscriptions.c.partner_id == partner_id)
    return [_subscription(session, row) for row in await session.execute(query)]
