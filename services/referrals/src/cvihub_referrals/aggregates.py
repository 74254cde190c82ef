"""Aggregates for dashboards and funders, from the referrals' recorded events: counts by status
per organisation, time to acceptance and to first contact (median and distribution), overdue
counts. Never a person or a referral id; every count from 1 to 10 is suppressed, and so is a
second cell of its row, so the row's total cannot give the first away.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from cvihub_contracts.referral.status_changed_v1 import ReferralStatus
from cvihub_referrals.lists import deadline_for
from cvihub_referrals.models import referrals
from cvihub_referrals.service_levels import ServiceLevel
from cvihub_referrals.store import ReferralRecord
from cvihub_runtime.db import SessionFactory

MIN_CELL = 11
"""The smallest count shown; 1 to 10 are suppressed (0 is shown)."""
BUCKETS: tuple[tuple[str, timedelta], ...] = (
    ("under-30m", timedelta(minutes=30)),
    ("30m-4h", timedelta(hours=4)),
    ("4h-24h", timedelta(hours=24)),
    ("1d-2d", timedelta(days=2)),
    ("over-2d", timedelta.max),
)

Cell = int | None
"""A count, or None where suppressed."""


def suppress(rows: dict[str, dict[str, int]]) -> dict[str, dict[str, Cell]]:
    """Primary suppression (1 to 10), then secondary: no row (whose total is published) keeps
    exactly one suppressed cell. Columns have no published total, so need no such care."""
    shown: dict[str, dict[str, Cell]] = {
        r: {c: (None if 0 < n < MIN_CELL else n) for c, n in cells.items()}
        for r, cells in rows.items()
    }
    changed = True
    while changed:
        changed = False
        for group in [[(r, c) for c in rows[r]] for r in rows]:
            hidden = [k for k in group if shown[k[0]][k[1]] is None]
            visible = [k for k in group if shown[k[0]][k[1]] not in (None, 0)]
            if len(hidden) == 1 and visible:
                r, c = min(visible, key=lambda k: rows[k[0]][k[1]])
                shown[r][c] = None
                changed = True
    return shown


@dataclass(frozen=True)
class Durations:
    """Time to a milestone: median (None if under MIN_CELL values) and distribution."""

    count: Cell
    median_seconds: float | None
    distribution: dict[str, Cell]


def durations(values: list[timedelta]) -> Durations:
    """The median and the bucketed distribution of some durations, suppressed."""
    counts = {name: 0 for name, _ in BUCKETS}
    for value in values:
        name = next(name for name, upper in BUCKETS if value < upper)
        counts[name] += 1
    cells = suppress({"all": {**counts, "total": len(values)}})["all"]
    median = (
        statistics.median(v.total_seconds() for v in values) if len(values) >= MIN_CELL else None
    )
    total = cells.pop("total")
    return Durations(total, median, cells)


@dataclass(frozen=True)
class Aggregates:
    """The aggregates of one period."""

    since: datetime
    until: datetime
    by_organisation: dict[str, dict[str, Cell]]
    """Per recipient organisation: a count per status, overdue, and total."""
    time_to_acceptance: Durations
    time_to_first_contact: Durations


async def compute(
    *,
    sessions: SessionFactory,
    levels: dict[str, ServiceLevel],
    since: datetime,
    until: datetime,
    now: datetime,
    organisations: set[str] | None = None,
) -> Aggregates:
    """The aggregates of referrals submitted in [since, until), of these organisations (as
    sender or recipient; None = all)."""
    query = select(
        referrals.c.referring_partner_id,
        referrals.c.recipient_partner_id,
        referrals.c.status,
        referrals.c.urgency,
        referrals.c.requested_services,
        referrals.c.submitted_at,
        referrals.c.accepted_at,
        referrals.c.first_contact_at,
    ).where(referrals.c.submitted_at >= since, referrals.c.submitted_at < until)
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    counts: dict[str, dict[str, int]] = {}
    accepted: list[timedelta] = []
    contacted: list[timedelta] = []
    for row in rows:
        parties = {row.referring_partner_id, row.recipient_partner_id}
        if organisations is not None and not parties & organisations:
            continue
        cells = counts.setdefault(
            row.recipient_partner_id,
            {**{s.value: 0 for s in ReferralStatus}, "overdue": 0, "total": 0},
        )
        cells[row.status] += 1
        cells["total"] += 1
        record = ReferralRecord(
            referral_id="",
            referring_partner_id=row.referring_partner_id,
            recipient_partner_id=row.recipient_partner_id,
            status=row.status,
            urgency=row.urgency,
            payload={"requested_services": row.requested_services or []},
            submitted_at=row.submitted_at,
            updated_at=row.submitted_at,
            submitted_event_id="",
            correlation_id="",
            version=0,
            accepted_at=row.accepted_at,
            first_contact_at=row.first_contact_at,
        )
        deadline = deadline_for(record, levels)
        cells["overdue"] += int(deadline is not None and deadline.overdue(now))
        if row.accepted_at is not None:
            accepted.append(row.accepted_at - row.submitted_at)
            if row.first_contact_at is not None:
                contacted.append(row.first_contact_at - row.accepted_at)
    return Aggregates(
        since=since,
        until=until,
        by_organisation=suppress(counts),
        time_to_acceptance=durations(accepted),
        time_to_first_contact=durations(contacted),
    )
