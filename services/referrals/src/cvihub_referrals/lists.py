"""Use cases of the two desks: the recipient's inbox and the referrer's list of sent referrals,
with their deadlines (service_levels.py)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from cvihub_referrals import routing, store
from cvihub_referrals.service_levels import Deadline, ServiceLevel, deadline_of, level_for
from cvihub_runtime.db import SessionFactory


@dataclass(frozen=True)
class Listed:
    """A referral in a list, with the deadline it is under now."""

    referral: store.ReferralRecord
    deadline: Deadline | None
    overdue: bool
    relation: str = "owned"
    """owned (addressed to or accepted by the partner), offered (a network offer), or sent."""


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
    relation: str | None = None,
    limit: int = 100,
    now: datetime | None = None,
) -> list[Listed]:
    """Referrals the partner sent (sent=True), or owns or is offered (relation: owned, offered,
    None = both), newest first; `overdue` keeps only those past (True) or within (False) their
    deadline, among the newest `limit`."""
    at = now or datetime.now(UTC)
    tagged: list[tuple[store.ReferralRecord, str]] = []
    async with sessions() as session:
        if sent or relation in (None, "owned"):
            records = await store.list_referrals(
                session,
                partner_id=partner_id,
                sent=sent,
                received=not sent,
                status=status,
                urgency=urgency,
                limit=limit,
            )
            tagged += [(record, "sent" if sent else "owned") for record in records]
        if not sent and relation in (None, "offered"):
            for referral_id in await routing.offered_to(session, partner_id, limit):
                record = await store.get_referral(session, referral_id)
                if (
                    record is not None
                    and status in (None, record.status)
                    and (urgency in (None, record.urgency))
                ):
                    tagged.append((record, "offered"))
    tagged.sort(key=lambda item: (item[0].submitted_at, item[0].referral_id), reverse=True)
    found = []
    for record, kind in tagged[:limit]:
        deadline = deadline_for(record, levels)
        late = deadline is not None and deadline.overdue(at)
        if overdue is None or overdue == late:
            found.append(Listed(record, deadline, late, kind))
    return found
