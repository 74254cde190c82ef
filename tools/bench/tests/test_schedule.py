"""The open loop starts sends on the clock, not on replies."""

import asyncio

from cvihub_bench.schedule import open_loop, send_times


class FakeClock:
    """A clock that only moves when the loop sleeps (or a send takes time)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # let started sends run first, as during a real sleep
        self.now += seconds


def test_send_times_are_evenly_spaced() -> None:
    assert send_times(rate=4, duration=1) == [0.0, 0.25, 0.5, 0.75]
    assert send_times(rate=0, duration=5) == []
    assert len(send_times(rate=200, duration=3)) == 600


async def test_sends_start_at_their_times_without_waiting_for_replies() -> None:
    clock = FakeClock()
    started: list[float] = []
    release = asyncio.Event()

    async def send(_: int) -> None:
        started.append(clock.now)
        await release.wait()  # no reply until the loop has started every send

    loop = asyncio.ensure_future(
        open_loop(rate=10, duration=1, send=send, clock=clock, sleep=clock.sleep)
    )
    for _ in range(100):  # bounded: each pass lets the loop run one step
        if len(started) == 10:
            break
        await asyncio.sleep(0)
    assert [round(t - 100.0, 3) for t in started] == [i / 10 for i in range(10)]
    release.set()
    result = await loop
    assert (result.scheduled, result.started, result.stopped_early) == (10, 10, False)


async def test_a_late_generator_reports_its_lag() -> None:
    clock = FakeClock()

    async def slow_send(_: int) -> None:
        return None

    async def sleep(seconds: float) -> None:
        clock.now += seconds + 0.3  # every wake-up 300 ms late
        await asyncio.sleep(0)

    result = await open_loop(rate=2, duration=2, send=slow_send, clock=clock, sleep=sleep)
    assert result.started == 4
    assert result.max_lag_ms >= 300.0


async def test_stop_ends_the_loop_early() -> None:
    clock = FakeClock()
    sent: list[int] = []

    async def send(i: int) -> None:
        sent.append(i)

    result = await open_loop(
        rate=10, duration=1, send=send, stop=lambda: len(sent) >= 3, clock=clock, sleep=clock.sleep
    )
    assert sent == [0, 1, 2]
    assert result.stopped_early and result.started == 3
