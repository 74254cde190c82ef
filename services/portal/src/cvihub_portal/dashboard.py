"""The dashboard's figures: counts only, never a person; counts from 1 to 10 are withheld.

The network's referral and alert counts come from the portal's own read model (ids, statuses,
times, zones). Time to first contact comes from the referrals service's aggregates (a funder
reads the network's, anyone else their own organisation's; it withholds small cells itself),
and delivery health from notifications' record of the partner's own deliveries."""

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

from cvihub_portal import store
from cvihub_portal.clients import Unreachable, UpstreamError
from cvihub_portal.service import Person, PortalCore, partner_key

SMALL_CELL = 11
"""Aggregates under this many are shown as suppressed, never as a number."""

WEEKS = 12
"""How many weeks the status-over-time chart covers."""

MONTHS = 6
"""How many months the outcomes chart covers."""

OUTCOMES = ("completed", "rejected", "failed", "canceled", "entered-in-error")
"""The statuses a referral ends in."""

DELIVERY_SAMPLE = 200
"""How many of the partner's newest deliveries the delivery health is measured on."""


def suppressed(count: int) -> int | None:
    """A count as shown: 1 to 10 hidden (None), since so few can point to a person."""
    return count if count == 0 or count >= SMALL_CELL else None


def with_total(counts: dict[str, int]) -> tuple[dict[str, int | None], int | None]:
    """Cells and their total as shown: the total is hidden too when any cell is, since the
    total minus the shown cells would give the hidden ones away."""
    cells = {key: suppressed(n) for key, n in counts.items()}
    hidden = any(n is None for n in cells.values())
    return cells, None if hidden else suppressed(sum(counts.values()))


def second_cell(counts: dict[str, int]) -> dict[str, int | None]:
    """Cells whose total is shown elsewhere: a lone hidden cell takes the smallest shown
    one with it, so the total minus the shown cells never names it."""
    cells = {key: suppressed(n) for key, n in counts.items()}
    hidden = [key for key, n in cells.items() if n is None]
    shown = [key for key, n in cells.items() if n]
    if len(hidden) == 1 and shown:
        cells[min(shown, key=lambda key: counts[key])] = None
    return cells


def by_column(rows: dict[str, dict[str, int]]) -> dict[str, dict[str, int | None]]:
    """A table (row -> column -> count) as shown: each column (a status over the weeks or
    months) as cells whose total is shown elsewhere (the status's count)."""
    shown: dict[str, dict[str, int | None]] = {row: {} for row in rows}
    columns = {column for cells in rows.values() for column in cells}
    for column in sorted(columns):
        column_cells = second_cell({row: cells.get(column, 0) for row, cells in rows.items()})
        for row, n in column_cells.items():
            shown[row][column] = n
    return shown


def _week(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def _weeks(now: datetime) -> list[str]:
    return [_week(now - timedelta(weeks=n)) for n in range(WEEKS - 1, -1, -1)]


def _months(now: datetime) -> list[str]:
    months, year, month = [], now.year, now.month
    for _ in range(MONTHS):
        months.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _hours_buckets(hours: list[float]) -> tuple[dict[str, int | None], int | None]:
    buckets = {"<1h": 0, "1-4h": 0, "4-24h": 0, ">24h": 0}
    for h in hours:
        buckets["<1h" if h < 1 else "1-4h" if h < 4 else "4-24h" if h < 24 else ">24h"] += 1
    return with_total(buckets)


async def network_counts(core: PortalCore, now: datetime) -> dict[str, Any]:
    """Referrals by status, over time and by outcome; time to acceptance; alerts per zone."""
    async with core.sessions() as session:
        statuses = await store.referral_status_counts(session)
        rows = await store.referral_status_times(session)
        times = await store.acceptance_times(session)
        alert_rows = await store.alert_zones_and_times(session)
    weeks, months = _weeks(now), _months(now)
    over_time = {w: {s: 0 for s in sorted(statuses)} for w in weeks}
    outcomes = {m: {s: 0 for s in OUTCOMES} for m in months}
    for status, submitted, updated in rows:
        if submitted is not None and _week(submitted) in over_time:
            over_time[_week(submitted)][status] += 1
        month = f"{updated.year}-{updated.month:02d}"
        if status in OUTCOMES and month in outcomes:
            outcomes[month][status] += 1
    hours = [(accepted - submitted).total_seconds() / 3600 for submitted, accepted in times]
    per_zone_week: dict[tuple[str, str], int] = {}
    for zone, occurred in alert_rows:
        cell = (zone or "unknown", _week(occurred))
        per_zone_week[cell] = per_zone_week.get(cell, 0) + 1
    by_status, total = with_total(dict(sorted(statuses.items())))
    distribution, accepted = _hours_buckets(hours)
    return {
        "referrals_by_status": by_status,
        "referrals_total": total,
        "status_over_time": [{"week": w, "counts": c} for w, c in by_column(over_time).items()],
        "outcomes_by_month": [{"month": m, "counts": c} for m, c in by_column(outcomes).items()],
        "time_to_acceptance": {
            "count": accepted,
            "median_hours": round(statistics.median(hours), 1)
            if len(hours) >= SMALL_CELL
            else None,
            "distribution": distribution,
        },
        "alerts_per_zone_week": [
            {"zone": zone, "week": week, "count": suppressed(n)}
            for (zone, week), n in sorted(per_zone_week.items())
        ],
    }


async def first_contact(core: PortalCore, key: str, now: datetime) -> dict[str, Any] | None:
    """Time to first contact from the referrals service's aggregates (the last 90 days), in
    hours; None where referrals cannot be asked now."""
    params = {"since": (now - timedelta(days=90)).isoformat(), "until": now.isoformat()}
    try:
        found = await core.clients.aggregates(key, params)
    except (UpstreamError, Unreachable):
        return None
    durations = found["time_to_first_contact"]
    median = durations.get("median_seconds")
    return {
        "scope": found["scope"],
        "count": durations.get("count"),
        "median_hours": round(median / 3600, 1) if median is not None else None,
        "distribution": durations.get("distribution", {}),
    }


async def delivery_health(core: PortalCore, key: str) -> list[dict[str, Any]] | None:
    """Per channel, of the partner's newest deliveries: delivered, pending, failed (dead
    letters) and the median time to delivery; None where notifications cannot be asked now."""
    try:
        items = await core.clients.deliveries(key, limit=DELIVERY_SAMPLE)
    except (UpstreamError, Unreachable):
        return None
    return channel_health(items)


def channel_health(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deliveries counted per channel and status, with the median time to deliver."""
    channels: dict[str, dict[str, Any]] = {}
    seconds: dict[str, list[float]] = {}
    for item in items:
        row = channels.setdefault(
            item["channel"],
            {"channel": item["channel"], "delivered": 0, "pending": 0, "failed": 0},
        )
        row[item["status"]] = row.get(item["status"], 0) + 1
        if item.get("delivered_at"):
            took = datetime.fromisoformat(item["delivered_at"]) - datetime.fromisoformat(
                item["created_at"]
            )
            seconds.setdefault(item["channel"], []).append(took.total_seconds())
    for channel, row in channels.items():
        taken = seconds.get(channel)
        row["median_seconds"] = round(statistics.median(taken), 1) if taken else None
    return sorted(channels.values(), key=lambda r: str(r["channel"]))


async def dashboard(core: PortalCore, person: Person) -> dict[str, Any]:
    """Everything the dashboard shows, for one signed-in person's organisation."""
    now = datetime.now(UTC)
    key = await partner_key(core, person.partner_id)
    return {
        "small_cell": SMALL_CELL,
        "generated_at": now.isoformat(),
        **await network_counts(core, now),
        "time_to_first_contact": await first_contact(core, key, now),
        "delivery_health": await delivery_health(core, key),
    }
