"""Growth: latency and memory as stored rows grow, filled the way production fills them
(alerts through intake, each delivered to the group of 100), then measured at each level."""

import math
from typing import Any

from cvihub_bench.cells import Limits
from cvihub_bench.scenarios import Bench

LEVELS = (1_000, 10_000, 100_000)
FILL_GROUP = 100
PROBE_RATE = 10


def fill_rate(results_so_far: list[dict[str, Any]], *, group: int = FILL_GROUP) -> float:
    """Alerts/s that keep deliveries at about 80 % of the best delivery rate seen."""
    best = max((float(c.get("achieved_deliveries_per_s") or 0) for c in results_so_far), default=0)
    return max(0.5, 0.8 * best / group)


async def growth(bench: Bench, _stack: object) -> list[dict[str, Any]]:
    """At each level of delivered rows: a probe cell (10/s, 1 subscriber) and each RSS."""
    levels: list[dict[str, Any]] = []
    delivered = len(bench.receiver.records)
    seen: list[dict[str, Any]] = []
    for level in LEVELS:
        missing = level - delivered
        if missing > 0:
            rate = fill_rate(seen)
            duration = math.ceil(missing / (rate * FILL_GROUP))
            bench.log(f"growth: filling {missing:,} deliveries at {rate:.1f} alerts/s")
            fill = await bench.measured(
                bench.poster.sender(bench.zone(FILL_GROUP)),
                rate=rate,
                duration=duration,
                subscribers=FILL_GROUP,
                limits=Limits(lag_s=600, drain_s=600),
            )
            seen.append(fill)
        delivered = len(bench.receiver.records)
        probe = await bench.measured(
            bench.poster.sender(bench.zone(1)),
            rate=PROBE_RATE,
            duration=bench.plan.cell_s,
            subscribers=1,
        )
        seen.append(probe)
        levels.append(
            {
                "deliveries_stored": delivered,
                "alerts_stored": sum(c["accepted"] for c in seen),
                "probe_latency_ms": probe["latency_ms"],
                "rss_mib": {k: round(v, 1) for k, v in bench.watch.rss_mib().items()},
            }
        )
        bench.log(f"growth: {delivered:,} deliveries: probe {probe['latency_ms']}")
    return levels
