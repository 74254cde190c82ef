"""Use cases of the two desks: the recipient's inbox and the referrer's list of sent referrals,
with their deadlines (service_levels.py)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from cvihub_referrals import store
from cvihub_referrals.service_levels import Deadline, ServiceLevel, deadline_of, level_for
from cvihub_runtime.db import SessionFactory


@dataclass(frozen=True)
class Listed:
    """A referral in a list, with the deadline it is under now."""

    referral: store.ReferralRecord
    deadline: Deadline | None
    overdue: bool


def deadline_for(
    referral: store.ReferralRecord, levels: dict[str, ServiceLevel]
) -> Deadline | None:
    """The deadline a stored referral is under now, if any."""
    services = [str(s) for s in referral.payload.get("requested_services", [])]
    return deadline_of(
        level_for(levels, referral.urgency, services),
        status=referral.status,
        submitted_at=referral.submitted_at,
        accepted_at=referral.accepted_at,
        first_contact_at=referral.first_contact_at,
    )


async def listing(
    *,
    sessions: SessionFactory,
    partner_id: str,
    sent: bool,
    levels: dict[str, ServiceLevel],
    status: str | None = None,
    urgency: str | None = None,
    overdue: bool | None = None,
    limit: int = 100,
    now: datetime | None = None,
) -> list[Listed]:
    """Referrals the partner sent (sent=True) or owns as recipient, newest first; `overdue`
    keeps only those past (True) or within (False) their deadline, among the newest `limit`."""
    at = now or datetime.now(UTC)
    async with sessions() as session:
        records = await store.list_referrals(
            session,
            partner_id=partner_id,
            sent=sent,
            received=not sent,
            status=status,
            urgency=urgency,
            limit=limit,
        )
    found = []
    for record in records:
        deadline = deadline_for(record, levels)
        late = deadline is not None and deadline.overdue(at)
        if overdue is None or overdue == late:
            found.append(Listed(record, deadline, late))
    return found
