"""What a run measures: the quick and full plans, and which cells an overload makes moot. Pure."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """Rates, subscriber counts and durations of one run."""

    rates: tuple[float, ...]
    subscribers: tuple[int, ...]
    cell_s: float
    lag_s: float
    drain_s: float
    max_rate_steps: tuple[float, ...]
    max_rate_step_s: float
    fan_out_to: int
    fan_out_wait_s: float
    baseline_rate: float
    baseline_s: float
    skip_moot: bool = False
    """Skip a cell when a lighter one already fell behind (the quick run's time budget)."""

    @property
    def groups(self) -> tuple[int, ...]:
        """Every subscriber-group size the run needs (1 always: the cold-start probe)."""
        return tuple(sorted({1, *self.subscribers, self.fan_out_to}))

    def cells(self) -> list[tuple[float, int]]:
        """(rate, subscribers) pairs, lightest offered deliveries/s first."""
        pairs = [(rate, subs) for rate in self.rates for subs in self.subscribers]
        return sorted(pairs, key=lambda cell: (cell[0] * cell[1], cell[0]))


QUICK = Plan(
    rates=(10, 50, 200),
    subscribers=(1, 25, 100),
    cell_s=2.0,
    lag_s=2.0,
    drain_s=6.0,
    max_rate_steps=(25, 50, 100, 200, 400),
    max_rate_step_s=2.0,
    fan_out_to=200,
    fan_out_wait_s=20.0,
    baseline_rate=50,
    baseline_s=2.0,
    skip_moot=True,
)

FULL = Plan(
    rates=(10, 50, 200, 1000),
    subscribers=(1, 25, 100),
    cell_s=10.0,
    lag_s=5.0,
    drain_s=60.0,
    max_rate_steps=(25, 50, 100, 200, 400, 800, 1600, 3200),
    max_rate_step_s=10.0,
    fan_out_to=1000,
    fan_out_wait_s=120.0,
    baseline_rate=100,
    baseline_s=10.0,
)

TINY = Plan(
    rates=(5,),
    subscribers=(2,),
    cell_s=1.0,
    lag_s=5.0,
    drain_s=15.0,
    max_rate_steps=(5,),
    max_rate_step_s=1.0,
    fan_out_to=3,
    fan_out_wait_s=15.0,
    baseline_rate=10,
    baseline_s=0.5,
)
"""For the smoke test: every step runs, on almost no load."""


def dominated(cell: tuple[float, int], failed: list[tuple[float, int]]) -> tuple[float, int] | None:
    """A failed cell with no more load in either dimension, if any: this cell would fail too."""
    rate, subs = cell
    for other in failed:
        if other[0] <= rate and other[1] <= subs:
            return other
    return None
