"""Routing to the network: a referral addressed to the network is offered to every matching
organisation of the registry's directory (from the registry copy); the first to accept owns it
and the others see it withdrawn. Each offer and withdrawal is a status event addressed to that
organisation, carrying only the minimum to decide (urgency, services, zone, language, age
group): never the person.
"""

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import new_event, service_source, to_kafka
from cvihub_contracts.referral.network_v1 import (
    HUB_PARTY,
    NETWORK_RECIPIENT,
    Escalation,
    NetworkCriteria,
    OfferChange,
    OfferState,
)
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus, ReferralStatusChangedV1
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_referrals.models import offers, outbox, registry_copy
from cvihub_referrals.store import ReferralRecord, get_referral
from cvihub_registry_copy.store import DirectoryEntry
from cvihub_runtime.outbox import add_to_outbox

OFFERED, ACCEPTED, DECLINED, WITHDRAWN = "offered", "accepted", "declined", "withdrawn"


def is_network(referral: ReferralRecord) -> bool:
    """Whether the referral is addressed to the network and not yet owned."""
    return referral.recipient_partner_id == NETWORK_RECIPIENT


def criteria_of(referral: ReferralRecord) -> NetworkCriteria | None:
    """The network criteria of a stored referral, if addressed to the network."""
    network = referral.payload.get("network")
    return NetworkCriteria.model_validate(network) if network else None


def matches(entry: DirectoryEntry, criteria: NetworkCriteria) -> bool:
    """Whether an organisation of the directory fits the criteria."""
    if not {s.value for s in criteria.services} & entry.services:
        return False
    if criteria.zone is not None and criteria.zone not in entry.zones:
        return False
    languages = {tag.split("-")[0].lower() for tag in entry.languages}
    if criteria.language is not None and criteria.language.split("-")[0].lower() not in languages:
        return False
    age = criteria.age_group
    return age is None or not entry.age_groups or age.value in entry.age_groups


async def _event(
    session: AsyncSession,
    referral: ReferralRecord,
    partner_id: str,
    change: OfferChange,
    now: datetime,
) -> None:
    status = ReferralStatus(referral.status)
    event = new_event(
        ReferralStatusChangedV1(
            referral_id=UUID(referral.referral_id),
            status=status,
            previous_status=status,
            changed_by_partner_id=HUB_PARTY,
            referring_partner_id=referral.referring_partner_id,
            recipient_partner_id=partner_id,
            changed_at=now,
            offer=change,
        ),
        source=service_source("referrals"),
        causation_id=referral.submitted_event_id,
        correlation_id=referral.correlation_id,
    )
    await add_to_outbox(session, outbox, to_kafka(event))


def _change(criteria: NetworkCriteria, state: OfferState, round_: int) -> OfferChange:
    return OfferChange(
        state=state,
        round=round_,
        services=[s.value for s in criteria.services],
        zone=criteria.zone,
        language=criteria.language,
        age_group=criteria.age_group.value if criteria.age_group else None,
    )


async def offer(session: AsyncSession, referral: ReferralRecord, now: datetime) -> list[str]:
    """Offer the referral (a new round) to every matching organisation not declining it."""
    criteria = criteria_of(referral)
    if criteria is None:
        return []
    last = await session.scalar(
        select(func.max(offers.c.round)).where(offers.c.referral_id == referral.referral_id)
    )
    round_ = int(last or 0) + 1
    declined = set(
        (
            await session.execute(
                select(offers.c.partner_id).where(
                    offers.c.referral_id == referral.referral_id, offers.c.state == DECLINED
                )
            )
        ).scalars()
    )
    await _close_open(session, referral, now, keep=None)
    entries = await registry_copy.directory(session, PartnerKind.CVI_ORG.value)
    chosen = [
        e.partner_id for e in entries if matches(e, criteria) and e.partner_id not in declined
    ]
    for partner_id in chosen:
        await session.execute(
            offers.insert().values(
                referral_id=referral.referral_id,
                partner_id=partner_id,
                round=round_,
                state=OFFERED,
                offered_at=now,
            )
        )
        await _event(
            session, referral, partner_id, _change(criteria, OfferState.OFFERED, round_), now
        )
    return chosen


async def open_offer(session: AsyncSession, referral_id: str, partner_id: str) -> bool:
    """Whether the partner holds an open offer of the referral."""
    found = await session.scalar(
        select(offers.c.id).where(
            offers.c.referral_id == referral_id,
            offers.c.partner_id == partner_id,
            offers.c.state == OFFERED,
        )
    )
    return found is not None


async def _close_open(
    session: AsyncSession, referral: ReferralRecord, now: datetime, *, keep: str | None
) -> None:
    criteria = criteria_of(referral)
    rows = (
        await session.execute(
            select(offers.c.id, offers.c.partner_id, offers.c.round).where(
                offers.c.referral_id == referral.referral_id, offers.c.state == OFFERED
            )
        )
    ).all()
    for row in rows:
        state = ACCEPTED if row.partner_id == keep else WITHDRAWN
        await session.execute(
            update(offers).where(offers.c.id == row.id).values(state=state, closed_at=now)
        )
        if state == WITHDRAWN and criteria is not None:
            change = _change(criteria, OfferState.WITHDRAWN, row.round)
            await _event(session, referral, row.partner_id, change, now)


async def settle(
    session: AsyncSession, referral: ReferralRecord, owner: str | None, now: datetime
) -> None:
    """The referral was accepted by `owner` (or canceled: None): close every other offer."""
    await _close_open(session, referral, now, keep=owner)


async def decline(
    session: AsyncSession, referral: ReferralRecord, partner_id: str, now: datetime
) -> None:
    """The partner declines its offer; the referral stays offered to the others."""
    await session.execute(
        update(offers)
        .where(
            offers.c.referral_id == referral.referral_id,
            offers.c.partner_id == partner_id,
            offers.c.state == OFFERED,
        )
        .values(state=DECLINED, closed_at=now)
    )


async def offered_to(session: AsyncSession, partner_id: str, limit: int) -> list[str]:
    """Ids of the referrals the partner holds an open offer of, newest first."""
    rows = await session.execute(
        select(offers.c.referral_id)
        .where(offers.c.partner_id == partner_id, offers.c.state == OFFERED)
        .order_by(offers.c.offered_at.desc(), offers.c.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def holders(session: AsyncSession, referral_id: str) -> list[str]:
    """The organisations holding an open offer of the referral."""
    rows = await session.execute(
        select(offers.c.partner_id)
        .where(offers.c.referral_id == referral_id, offers.c.state == OFFERED)
        .order_by(offers.c.partner_id)
    )
    return list(rows.scalars())


async def reoffer(session: AsyncSession, referral_id: str, now: datetime) -> Escalation | None:
    """At an escalation: offer a network referral nobody accepted again (a new round)."""
    referral = await get_referral(session, referral_id)
    if referral is None or not is_network(referral):
        return None
    if referral.status != ReferralStatus.REQUESTED.value:
        return None
    await offer(session, referral, now)
    return Escalation.RE_OFFER
