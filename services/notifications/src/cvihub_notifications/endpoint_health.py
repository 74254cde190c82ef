"""An endpoint's health after each attempt: since when it fails, and when it is disabled (a
410 Gone answer, or no successful attempt for the policy's `disable_after`).

Called inside the transaction that records the attempt, so the state and the attempt agree."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications import endpoint_store
from cvihub_notifications.queue_store import Claimed


@dataclass(frozen=True)
class Disabled:
    """This attempt disabled the endpoint (it was enabled before)."""

    subscription_id: str
    partner_id: str
    at: datetime
    reason: str


def failing_too_long(disable_after: timedelta) -> str:
    """The reason stored for an endpoint disabled after a time of total failure."""
    seconds = disable_after.total_seconds()
    span = f"{seconds / 86400:g} days" if seconds >= 86400 else f"{seconds:g} s"
    return f"no successful attempt for {span}"


async def after_attempt(
    session: AsyncSession,
    *,
    claimed: Claimed,
    at: datetime,
    gone: str | None,
    succeeded: bool,
    disable_after: timedelta | None,
) -> Disabled | None:
    """Note the attempt's outcome; disable the endpoint when it said it is gone (`gone`: why)
    or has failed for `disable_after`. Returns the disabling when this attempt made one."""
    failing_since = await endpoint_store.note_attempt(
        session,
        subscription_id=claimed.subscription_id,
        partner_id=claimed.partner_id,
        at=at,
        succeeded=succeeded,
    )
    reason: str | None = None
    if gone is not None:
        reason = gone
    elif (
        failing_since is not None
        and disable_after is not None
        and at - failing_since >= disable_after
    ):
        reason = failing_too_long(disable_after)
    if reason is None:
        return None
    was = await endpoint_store.set_disabled(
        session,
        subscription_id=claimed.subscription_id,
        partner_id=claimed.partner_id,
        at=at,
        reason=reason,
    )
    if was is not None:
        return None  # already off: disabled once, announced once
    return Disabled(claimed.subscription_id, claimed.partner_id, at, reason)
