"""Routing: which subscriptions an event goes to, and which named partners it does not.

Pure rules first (`select_recipients`), then the one read of the registry copy that feeds them
(`route_event`). A subscription's own filters (zones, event types) only narrow what its grant
lets through; an event they do not match is a routing fact (no refusal, no audit entry).
"""

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import EventData, Stream
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_notifications.consent import referral_consent_refusal
from cvihub_notifications.models import registry_copy
from cvihub_registry_copy import GrantTerms, Subscriber
from cvihub_registry_copy.consents import ConsentRecord

OUT_OF_SCOPE = "out of scope"
NO_GRANT = "no subscribe grant"
NO_SUBSCRIPTION = "no active subscription"
FUNDER_REFUSAL = "funders receive aggregates only"


@dataclass(frozen=True)
class Refusal:
    """A partner named by an event that gets no delivery, and why (ids and reasons only)."""

    partner_id: str
    reason: str


@dataclass(frozen=True)
class Routing:
    """The subscriptions an event goes to, and the named partners it does not."""

    targets: list[Subscriber]
    refusals: list[Refusal]
    terms: Mapping[str, GrantTerms] = field(default_factory=dict)
    """Each recipient partner's grant terms, for its field view."""
    consent: ConsentRecord | None = None
    """The registry consent record a referral quotes, for its scope."""


def stream_of(*, event_type: str) -> Stream | None:
    """The stream whose subscribe grant entitles a partner to this event type."""
    if event_type == IncidentAlertV2.event_type:
        return Stream.INCIDENT_ALERTS
    if event_type == BulletinPublishedV1.event_type:
        return Stream.BULLETINS
    if event_type in (ReferralSubmittedV1.event_type, ReferralStatusChangedV1.event_type):
        return Stream.REFERRALS
    return None


def named_parties(*, data: EventData) -> set[str] | None:
    """The partners an event is addressed to, or None when it goes to every subscriber."""
    if isinstance(data, ReferralSubmittedV1):
        return {data.recipient_partner_id}
    if isinstance(data, ReferralStatusChangedV1):
        return {data.referring_partner_id, data.recipient_partner_id} - {data.changed_by_partner_id}
    return None


def event_zone(*, data: EventData) -> str | None:
    """The zone a broadcast event is about (alert location, bulletin venue), if any."""
    if isinstance(data, IncidentAlertV2):
        return data.location.zone
    if isinstance(data, BulletinPublishedV1) and data.venue is not None:
        return data.venue.zone
    return None


def in_scope(*, zone: str | None, terms: GrantTerms | None) -> bool:
    """Whether a grant's zones cover an event's zone; an event without a zone fits no scope."""
    if terms is None or terms.zones is None:
        return True
    return zone is not None and zone in terms.zones


def matches_filters(subscriber: Subscriber, *, event_type: str, zone: str | None) -> bool:
    """Whether an event passes a subscription's own filters (None = no filter).

    Like a grant's zones, a zone filter never matches an event without a zone."""
    if subscriber.event_types is not None and event_type not in subscriber.event_types:
        return False
    return subscriber.zones is None or (zone is not None and zone in subscriber.zones)


def select_recipients(
    *,
    data: EventData,
    subscribers: Sequence[Subscriber],
    granted: Set[str],
    now: datetime,
    terms: Mapping[str, GrantTerms] | None = None,
    consent: ConsentRecord | None = None,
) -> Routing:
    """Pick the subscriptions an event goes to; `granted` = partners with a subscribe grant.

    `consent`: the consent record a referral quotes, from the registry copy (None = none)."""
    terms = terms or {}
    if isinstance(data, IncidentAlertV2 | BulletinPublishedV1):
        # Broadcast streams: every entitled subscriber but the publisher, within its zones.
        zone = event_zone(data=data)
        granted_subscribers = [
            s
            for s in subscribers
            if s.partner_id != data.publisher_partner_id and s.partner_id in granted
        ]
        targets = [
            s for s in granted_subscribers if in_scope(zone=zone, terms=terms.get(s.partner_id))
        ]
        out = sorted({s.partner_id for s in granted_subscribers} - {s.partner_id for s in targets})
        return Routing(
            targets=_filtered(targets, data=data),
            refusals=[Refusal(p, OUT_OF_SCOPE) for p in out],
            terms=terms,
        )
    parties = named_parties(data=data)
    if parties is None:
        return Routing(targets=[], refusals=[])
    refusals: list[Refusal] = []
    if isinstance(data, ReferralSubmittedV1):
        reason = referral_consent_refusal(data=data, now=now, record=consent)
        if reason is not None:
            return Routing(targets=[], refusals=[Refusal(data.recipient_partner_id, reason)])
    for partner_id in sorted(parties - set(granted)):
        refusals.append(Refusal(partner_id, NO_GRANT))
    entitled = parties & set(granted)
    targets = [s for s in subscribers if s.partner_id in entitled]
    for partner_id in sorted(entitled - {s.partner_id for s in targets}):
        refusals.append(Refusal(partner_id, NO_SUBSCRIPTION))
    return Routing(
        targets=_filtered(targets, data=data), refusals=refusals, terms=terms, consent=consent
    )


def _filtered(targets: list[Subscriber], *, data: EventData) -> list[Subscriber]:
    # A subscription's own filters narrow, after the grant decided: a miss is a routing fact.
    zone = event_zone(data=data)
    return [s for s in targets if matches_filters(s, event_type=data.event_type, zone=zone)]


def without_funders(routing: Routing, kinds: Mapping[str, str]) -> Routing:
    """The routing less any funder: a funder receives aggregates only, never a single event.

    The registry grants funders nothing; this holds even if a grant slipped through."""
    funders = {p for p, kind in kinds.items() if kind == PartnerKind.FUNDER.value}
    if not funders:
        return routing
    return replace(
        routing,
        targets=[t for t in routing.targets if t.partner_id not in funders],
        refusals=[*routing.refusals, *(Refusal(p, FUNDER_REFUSAL) for p in sorted(funders))],
    )


async def route_event(*, session: AsyncSession, data: EventData, now: datetime) -> Routing:
    """Who receives this event, from the registry copy."""
    stream = stream_of(event_type=data.event_type)
    if stream is None:
        return Routing(targets=[], refusals=[])
    parties = named_parties(data=data)
    subscribers = await registry_copy.subscribers(session, stream, parties)
    candidates = {s.partner_id for s in subscribers} if parties is None else parties
    # Only partners holding a subscribe grant in force appear in the terms.
    terms = await registry_copy.grant_terms_of(session, candidates, stream)
    consent = None
    if isinstance(data, ReferralSubmittedV1) and data.consent.consent_id is not None:
        consent = await registry_copy.consent(session, data.consent.consent_id)
    return select_recipients(
        data=data,
        subscribers=subscribers,
        granted=set(terms),
        now=now,
        terms=terms,
        consent=consent,
    )
