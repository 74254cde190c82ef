"""What the notice channels (e-mail, SMS) share: ending an attempt and their /health counts."""

import dataclasses
import random
import time
from datetime import datetime

from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications import channel_store, delivery
from cvihub_notifications.delivery import AttemptOutcome, RetryPolicy
from cvihub_notifications.store import Claimed
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.web import Progress


async def finish_attempt(
    *,
    sessions: SessionFactory,
    claimed: Claimed,
    policy: RetryPolicy,
    at: datetime,
    started: float,
    status_code: int | None,
    error: str | None,
    permanent: bool,
) -> AttemptOutcome:
    """Record a notice's attempt (started at `perf_counter()` = `started`); a permanent
    failure is the last attempt, since retrying cannot help."""
    if permanent:
        policy = dataclasses.replace(policy, max_attempts=claimed.attempts + 1)
    return await delivery.complete_attempt(
        sessions=sessions,
        claimed=claimed,
        at=at,
        status_code=status_code,
        error=error,
        duration_ms=int((time.perf_counter() - started) * 1000),
        policy=policy,
        rand=random.random(),
    )


def channel_progress(
    progress: Progress, sessions: SessionFactory, channel: Channel, *, configured: bool
) -> Progress:
    """`progress` plus, for /health, whether the channel is configured and how many wait:
    `<channel>_configured` and `<channel>_pending`."""

    async def with_channel() -> dict[str, int]:
        counts = await progress()
        async with sessions() as session:
            pending = await channel_store.pending_count(session, channel)
        return {
            **counts,
            f"{channel.value}_configured": int(configured),
            f"{channel.value}_pending": pending,
        }

    return with_channel
