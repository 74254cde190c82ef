"""Latency summaries: percentiles by the nearest-rank method, in milliseconds. Pure."""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank q-th percentile (0 < q <= 100) of values; ValueError when empty."""
    if not values:
        raise ValueError("no values")
    if not 0 < q <= 100:
        raise ValueError("q is in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True)
class Summary:
    """Count and percentiles of a set of latencies (ms)."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the JSON report, rounded to 0.1 ms."""
        return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def summarize(latencies_ms: Sequence[float]) -> Summary | None:
    """The summary of the latencies, or None when there are none."""
    if not latencies_ms:
        return None
    return Summary(
        count=len(latencies_ms),
        p50=percentile(latencies_ms, 50),
        p95=percentile(latencies_ms, 95),
        p99=percentile(latencies_ms, 99),
        max=max(latencies_ms),
        mean=sum(latencies_ms) / len(latencies_ms),
    )


def ratio(hub: Summary | None, floor: Summary | None, field: str) -> float | None:
    """hub.field / floor.field, or None when either is missing or the floor is zero."""
    if hub is None or floor is None:
        return None
    denominator = float(getattr(floor, field))
    if denominator <= 0:
        return None
    return round(float(getattr(hub, field)) / denominator, 2)


def latencies(
    sent_at: dict[str, float], arrivals: Sequence[tuple[str, str, float]]
) -> tuple[list[float], set[tuple[str, str]]]:
    """Milliseconds from each key's send time to each of its first arrivals per subscriber,
    and the (subscriber, key) pairs seen; repeats of a pair (redeliveries) count once."""
    seen: set[tuple[str, str]] = set()
    found: list[float] = []
    for subscriber, key, at in arrivals:
        if key not in sent_at or (subscriber, key) in seen:
            continue
        seen.add((subscriber, key))
        found.append((at - sent_at[key]) * 1000.0)
    return found, seen
