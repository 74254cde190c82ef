"""The delivery worker: claims due deliveries and hands each to its channel's transport, a
bounded number at once; what the channel answered is recorded by attempts.py."""

import asyncio
import random
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications import attempts
from cvihub_notifications.channels.base import Sent, Transport
from cvihub_notifications.lanes import Lanes, is_healthy
from cvihub_notifications.metrics import ATTEMPTS, LATENCY
from cvihub_notifications.models import DeliveryStatus
from cvihub_notifications.queue_store import Claimed
from cvihub_notifications.retries import RetryPolicy
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.group_commit import GroupCommit

log = structlog.get_logger(__name__)

_OUTCOME_LABELS = {
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.PENDING: "retry",
    DeliveryStatus.FAILED: "failed",
}


class DeliveryWorker:
    """Sends pending deliveries; wake it after a commit so new ones go out at once."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        transports: Mapping[Channel, Transport],
        policy: RetryPolicy,
        lease_seconds: float,
        max_concurrent: int,
        poll_seconds: float,
        lanes: Lanes,
        rotation_grace: timedelta = timedelta(0),
    ) -> None:
        self._sessions = sessions
        # Attempts that end together are recorded in one transaction.
        self._commits = GroupCommit(sessions)
        self._transports = transports
        # A channel that cannot send (e-mail without SMTP) is not claimed: its deliveries
        # wait, pending, until it is set; one that is never sent (the inbox) neither.
        self._skip_channels = tuple(
            channel.value
            for channel, transport in transports.items()
            if not transport.ready or transport.delivered_when_stored
        )
        self._policy = policy
        self._lease_seconds = lease_seconds
        self._max_concurrent = max_concurrent
        self._poll_seconds = poll_seconds
        self._lanes = lanes
        self._rotation_grace = rotation_grace
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Tell the worker that new deliveries are waiting."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver forever; fall back to polling for retries that come due."""
        inflight: set[asyncio.Task[None]] = set()
        try:
            while True:
                free = self._max_concurrent - len(inflight)
                if free > 0:
                    self._wake.clear()
                    for ready in await self._claim(free):
                        self._lanes.started(ready.claimed.subscription_id)
                        task = asyncio.create_task(self._deliver(ready))
                        inflight.add(task)
                        task.add_done_callback(inflight.discard)
                # Wake on a free slot, when a retry may have come due, or (with room for
                # more) on a new delivery.
                waiters: set[asyncio.Task[Any]] = set(inflight)
                waker = None
                if len(inflight) < self._max_concurrent:
                    waker = asyncio.create_task(self._wake.wait())
                    waiters.add(waker)
                try:
                    await asyncio.wait(
                        waiters, timeout=self._poll_seconds, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    if waker is not None:
                        waker.cancel()
        finally:
            for task in list(inflight):
                task.cancel()
            # Cancelled sends keep their claim; they come due again when the lease ends.
            await asyncio.gather(*inflight, return_exceptions=True)
            await self._commits.aclose()
            for transport in self._transports.values():
                await transport.aclose()

    async def _claim(self, limit: int) -> list[attempts.Ready]:
        try:
            return await attempts.claim_due(
                sessions=self._sessions,
                now=datetime.now(UTC),
                limit=limit,
                lease_seconds=self._lease_seconds,
                skip_channels=self._skip_channels,
                lanes=self._lanes,
                rotation_grace=self._rotation_grace,
            )
        except Exception:
            log.exception("claiming deliveries failed; retrying")
            return []

    async def _deliver(self, ready: attempts.Ready) -> None:
        claimed = ready.claimed
        healthy: bool | None = None
        try:
            healthy = await self._attempt(claimed, secrets=ready.secrets)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The claim stays; the delivery comes due again when its lease ends.
            log.exception("delivery attempt could not be recorded", delivery_id=claimed.delivery_id)
        finally:
            self._lanes.finished(claimed.subscription_id, healthy=healthy)

    async def _attempt(self, claimed: Claimed, *, secrets: list[str]) -> bool | None:
        """One attempt; whether it showed the endpoint healthy (None: no request made)."""
        at = datetime.now(UTC)
        started = time.perf_counter()
        transport = self._transports.get(Channel(claimed.channel))
        if transport is None:
            sent = Sent(None, f"no transport for channel {claimed.channel}", permanent=True)
        else:
            sent = await transport.send(claimed, secrets=secrets)
        outcome = await attempts.complete_attempt(
            commits=self._commits,
            claimed=claimed,
            at=at,
            sent=sent,
            duration_ms=int((time.perf_counter() - started) * 1000),
            policy=self._policy,
            rand=random.random(),
        )
        ATTEMPTS.labels(outcome=_OUTCOME_LABELS[outcome.status]).inc()
        if outcome.status is DeliveryStatus.DELIVERED:
            LATENCY.observe(max(0.0, (datetime.now(UTC) - claimed.event_time).total_seconds()))
        return is_healthy(sent.status_code)
