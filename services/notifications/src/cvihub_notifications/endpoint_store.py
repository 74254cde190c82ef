"""Queries of endpoints as this service sees them: disabled ones (410 Gone, or failing for too
long), since when they fail, their previous signing secrets, and putting their failed
deliveries (dead letters) back in the queue."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications.models import (
    DeliveryStatus,
    deliveries,
    delivery_attempts,
    endpoint_states,
    previous_secrets,
    registry_copy,
)
from cvihub_runtime.db import key_ring_of
from cvihub_runtime.sealed import open_text

FAILED = DeliveryStatus.FAILED.value
PENDING = DeliveryStatus.PENDING.value
CLOSED_WHILE_DISABLED = "endpoint disabled:%"
"""last_error of a delivery closed unattempted because its endpoint was off (attempts.py)."""


@dataclass(frozen=True)
class EndpointRecord:
    """A partner's endpoint (subscription) with this service's state of it."""

    subscription_id: str
    partner_id: str
    channel: str
    url: str
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None
    pending: int
    failed: int


async def endpoint(
    session: AsyncSession, *, partner_id: str, subscription_id: str
) -> EndpointRecord | None:
    """One of the partner's endpoints, or None (also when it is another partner's)."""
    subs = registry_copy.subscriptions
    row = (
        await session.execute(
            select(subs.c.subscription_id, subs.c.partner_id, subs.c.channel, subs.c.url).where(
                subs.c.subscription_id == subscription_id, subs.c.partner_id == partner_id
            )
        )
    ).first()
    if row is None:
        return None
    state = (
        await session.execute(
            select(endpoint_states).where(endpoint_states.c.subscription_id == subscription_id)
        )
    ).first()
    rows = await session.execute(
        select(deliveries.c.status, func.count())
        .where(deliveries.c.subscription_id == subscription_id)
        .group_by(deliveries.c.status)
    )
    counts: dict[str, int] = {str(status): int(count) for status, count in rows}
    return EndpointRecord(
        subscription_id=row.subscription_id,
        partner_id=row.partner_id,
        channel=row.channel,
        url=open_text(key_ring_of(session), row.url),
        disabled_at=state.disabled_at if state is not None else None,
        disabled_reason=state.disabled_reason if state is not None else None,
        failing_since=state.failing_since if state is not None else None,
        pending=int(counts.get(PENDING, 0)),
        failed=int(counts.get(FAILED, 0)),
    )


async def endpoint_owner(session: AsyncSession, subscription_id: str) -> str | None:
    """Whose endpoint this is, if it is one."""
    subs = registry_copy.subscriptions
    found = await session.scalar(
        select(subs.c.partner_id).where(subs.c.subscription_id == subscription_id)
    )
    return None if found is None else str(found)


async def disabled_reason(session: AsyncSession, subscription_id: str) -> str | None:
    """Why the endpoint is disabled, or None when it is not."""
    row = (
        await session.execute(
            select(endpoint_states.c.disabled_at, endpoint_states.c.disabled_reason).where(
                endpoint_states.c.subscription_id == subscription_id
            )
        )
    ).first()
    if row is None or row.disabled_at is None:
        return None
    return str(row.disabled_reason or "disabled")


async def set_disabled(
    session: AsyncSession,
    *,
    subscription_id: str,
    partner_id: str,
    at: datetime,
    reason: str | None,
) -> datetime | None:
    """Disable the endpoint (`reason`) or enable it (None); return when it was disabled.

    Enabling also forgets since when it failed: it gets a whole new time before it can be
    disabled for failing again."""
    row = (
        await session.execute(
            select(endpoint_states.c.disabled_at).where(
                endpoint_states.c.subscription_id == subscription_id
            )
        )
    ).first()
    was = row.disabled_at if row is not None else None
    values: dict[str, object] = {
        "disabled_at": at if reason is not None else None,
        "disabled_reason": reason,
        "updated_at": at,
    }
    if reason is None:
        values["failing_since"] = None
    if row is None:
        await session.execute(
            endpoint_states.insert().values(
                subscription_id=subscription_id, partner_id=partner_id, **values
            )
        )
    elif reason is None or was is None:  # the first disabling time stays
        await session.execute(
            update(endpoint_states)
            .where(endpoint_states.c.subscription_id == subscription_id)
            .values(**values)
        )
    return was


async def note_attempt(
    session: AsyncSession, *, subscription_id: str, partner_id: str, at: datetime, succeeded: bool
) -> datetime | None:
    """Keep since when the endpoint fails: a success clears it, the first failure after one
    sets it. Returns it (None after a success)."""
    if succeeded:
        await session.execute(
            update(endpoint_states)
            .where(
                endpoint_states.c.subscription_id == subscription_id,
                endpoint_states.c.failing_since.is_not(None),
            )
            .values(failing_since=None, updated_at=at)
        )
        return None
    row = (
        await session.execute(
            select(endpoint_states.c.failing_since).where(
                endpoint_states.c.subscription_id == subscription_id
            )
        )
    ).first()
    if row is None:
        # Another transaction (a second replica, the next group commit) may add it first.
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        added = await session.execute(
            insert(endpoint_states)
            .values(
                subscription_id=subscription_id,
                partner_id=partner_id,
                failing_since=at,
                updated_at=at,
            )
            .on_conflict_do_nothing(index_elements=["subscription_id"])
        )
        if getattr(added, "rowcount", 0):
            return at
        return await note_attempt(
            session, subscription_id=subscription_id, partner_id=partner_id, at=at, succeeded=False
        )
    if row.failing_since is None:
        await session.execute(
            update(endpoint_states)
            .where(endpoint_states.c.subscription_id == subscription_id)
            .values(failing_since=at, updated_at=at)
        )
        return at
    return row.failing_since  # type: ignore[no-any-return]


async def requeue_failed(
    session: AsyncSession,
    *,
    subscription_id: str,
    since: datetime,
    now: datetime,
    closed_while_disabled: bool = False,
) -> int:
    """Put the endpoint's failed deliveries planned or attempted since `since` back in the
    queue, due now; with `closed_while_disabled` also those closed unattempted while it was
    off (whenever they were planned: a retry due after the disabling)."""
    attempted_since = exists().where(
        delivery_attempts.c.delivery_id == deliveries.c.delivery_id,
        delivery_attempts.c.at >= since,
    )
    which = [deliveries.c.created_at >= since, attempted_since]
    if closed_while_disabled:
        which.append(deliveries.c.last_error.like(CLOSED_WHILE_DISABLED))
    result = await session.execute(
        update(deliveries)
        .where(
            deliveries.c.subscription_id == subscription_id,
            deliveries.c.status == FAILED,
            or_(*which),
        )
        .values(status=PENDING, next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def requeue(session: AsyncSession, *, delivery_id: str, now: datetime) -> None:
    """Put one delivery back in the queue, due now."""
    await session.execute(
        update(deliveries)
        .where(deliveries.c.delivery_id == delivery_id)
        .values(status=PENDING, next_attempt_at=now)
    )


async def retire_secret(
    session: AsyncSession, *, subscription_id: str, secret_encrypted: str, at: datetime
) -> None:
    """Keep an endpoint's replaced secret, to sign with beside the new one for a while."""
    await session.execute(
        previous_secrets.insert().values(
            subscription_id=subscription_id, secret_encrypted=secret_encrypted, retired_at=at
        )
    )


async def recent_secrets(
    session: AsyncSession, *, subscription_id: str, since: datetime
) -> list[str]:
    """The endpoint's secrets replaced since `since`, newest first (still encrypted)."""
    rows = await session.scalars(
        select(previous_secrets.c.secret_encrypted)
        .where(
            previous_secrets.c.subscription_id == subscription_id,
            previous_secrets.c.retired_at >= since,
        )
        .order_by(previous_secrets.c.retired_at.desc())
    )
    return list(rows)
