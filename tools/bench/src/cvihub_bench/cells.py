"""One measured cell: an open-loop load at a rate for a while, then a drain, with an early stop
when the system clearly falls behind (so one overload does not eat the whole run)."""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from cvihub_bench.receiver import ReceiverClient
from cvihub_bench.schedule import open_loop
from cvihub_bench.tracker import Tracker

POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Limits:
    """When a cell counts as behind, and how long its deliveries may take to drain."""

    lag_s: float
    drain_s: float
    error_share: float = 0.05


@dataclass
class Outcome:
    """What a cell's sender saw: status counts and each acknowledged send's own latency."""

    statuses: Counter[str] = field(default_factory=Counter)
    ack_ms: list[float] = field(default_factory=list)

    def errors(self) -> int:
        """Sends not acknowledged (anything but the success status)."""
        return sum(n for status, n in self.statuses.items() if status != "ok")


Sender = Callable[[int, Tracker, Outcome], Awaitable[None]]


def behind_reason(tracker: Tracker, outcome: Outcome, *, now: float, limits: Limits) -> str | None:
    """Why the cell should stop early, or None: deliveries lag, or sends fail."""
    age = tracker.oldest_outstanding_age(now)
    if age > limits.lag_s:
        return f"a delivery still outstanding after {age:.1f} s"
    attempted = sum(outcome.statuses.values())
    if attempted >= 20 and outcome.errors() > limits.error_share * attempted:
        return f"{outcome.errors()} of {attempted} sends failed"
    return None


async def run_cell(
    *,
    rate: float,
    duration: float,
    subscribers: int,
    send: Sender,
    receiver: ReceiverClient,
    limits: Limits,
    on_tick: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Run the load and the drain; the cell's figures as a plain dict for the report."""
    tracker = Tracker(expected_per_key=subscribers)
    outcome = Outcome()
    seen = len(receiver.records)
    rejected_before = receiver.rejected
    reason: list[str] = []
    sending = True

    async def watch() -> None:
        nonlocal seen
        while sending or tracker.outstanding:
            try:
                await receiver.poll()
            except httpx.HTTPError:
                await asyncio.sleep(POLL_SECONDS)  # a busy receiver; its records stay
                continue
            tracker.arrived(receiver.records[seen:])
            seen = len(receiver.records)
            on_tick()
            found = behind_reason(tracker, outcome, now=time.monotonic(), limits=limits)
            if found and sending and not reason:
                reason.append(found)
            await asyncio.sleep(POLL_SECONDS)

    watcher = asyncio.create_task(watch())
    started = time.monotonic()
    loop = await open_loop(
        rate=rate,
        duration=duration,
        send=lambda i: send(i, tracker, outcome),
        stop=lambda: bool(reason),
    )
    sending = False
    load_end = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.shield(watcher), timeout=limits.drain_s)
    except TimeoutError:
        watcher.cancel()
    drained = tracker.outstanding == 0
    summary = tracker.summary()
    ack = sorted(outcome.ack_ms)
    return {
        "rate": rate,
        "subscribers": subscribers,
        "duration_s": duration,
        "sent": loop.started,
        "scheduled": loop.scheduled,
        "generator_max_lag_ms": loop.max_lag_ms,
        "statuses": dict(outcome.statuses),
        "accepted": len(tracker.sent_at),
        "ack_p50_ms": round(ack[len(ack) // 2], 1) if ack else None,
        "expected": tracker.expected,
        "delivered": tracker.delivered,
        "lost": tracker.outstanding,
        "duplicates": tracker.duplicates,
        "rejected_signatures": receiver.rejected - rejected_before,
        "latency_ms": summary.as_dict() if summary else None,
        "stopped_early": reason[0] if reason else None,
        "drained": drained,
        "drain_s": round(time.monotonic() - load_end, 2),
        "load_s": round(load_end - started, 2),
        "last_arrival_ms": _round(tracker.last_arrival_ms()),
        "achieved_deliveries_per_s": round(
            tracker.delivered / max(time.monotonic() - started, 1e-9), 1
        ),
    }


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None
