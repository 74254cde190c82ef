"""Open-loop load: each send starts at its time on the clock, never waiting for replies.

A closed loop (send, wait, send) slows down when the system does and so hides its queueing;
here a slow reply only means more requests in flight."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


def send_times(*, rate: float, duration: float) -> list[float]:
    """Offsets (s) from the start of each send at a constant rate for the duration."""
    if rate <= 0 or duration <= 0:
        return []
    count = round(rate * duration)
    return [i / rate for i in range(count)]


@dataclass(frozen=True)
class LoopResult:
    """What the loop started and how far behind its schedule it ever was."""

    scheduled: int
    started: int
    stopped_early: bool
    max_lag_ms: float
    elapsed_s: float


async def open_loop(
    *,
    rate: float,
    duration: float,
    send: Callable[[int], Awaitable[object]],
    stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    drain: bool = True,
) -> LoopResult:
    """Start send(i) at start + i/rate for every i; stop() is asked before each send.

    Late sends (the generator itself behind) go at once, and the lag is reported so a result
    limited by the generator can be told from one limited by the system."""
    offsets = send_times(rate=rate, duration=duration)
    tasks: set[asyncio.Task[object]] = set()
    start = clock()
    max_lag = 0.0
    started = 0
    stopped = False
    for i, offset in enumerate(offsets):
        due = start + offset
        if due > clock():
            await sleep(due - clock())
        max_lag = max(max_lag, clock() - due)
        if stop():
            stopped = True
            break
        task: asyncio.Task[object] = asyncio.ensure_future(send(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        started += 1
    if drain and tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    return LoopResult(
        scheduled=len(offsets),
        started=started,
        stopped_early=stopped,
        max_lag_ms=round(max_lag * 1000.0, 1),
        elapsed_s=round(clock() - start, 3),
    )
