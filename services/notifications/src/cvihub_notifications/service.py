"""Use cases: who receives an event, what each recipient sees, and what partners may read."""

import json
import uuid
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Classification, Envelope, Event, EventData, Stream
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.redaction import Redacted, redact
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind
from cvihub_notifications import audit, store
from cvihub_notifications.channels import channel_view, email_body, matches_filters
from cvihub_notifications.consent import narrow_to_consent, referral_consent_refusal
from cvihub_notifications.models import registry_copy
from cvihub_notifications.sms_notice import NO_LINK_HINT, sms_body
from cvihub_registry_copy import GrantTerms, Subscriber
from cvihub_registry_copy.consents import ConsentRecord
from cvihub_runtime.secretbox import SecretBox

log = structlog.get_logger(__name__)

USER_AGENT = "cvihub-notifications/0.1"
CLOUDEVENTS_JSON = "application/cloudevents+json"

C = Classification
EVERYTHING = frozenset(Classification)
# Default views, used when the grant names no field view of its own.
COMMUNITY_VIEW = frozenset({C.PUBLIC, C.INTERNAL})
PARTY_VIEW = frozenset({C.PUBLIC, C.INTERNAL, C.PII, C.PHI})
# The hard floor, whatever a grant says: criminal-justice information reaches police only, and
# health or substance-use-treatment information (HIPAA, 42 CFR Part 2) never reaches police.
NEVER_TO_NON_POLICE = frozenset({C.CJI})
NEVER_TO_POLICE = frozenset({C.PHI, C.PART2})
OUT_OF_SCOPE = "out of scope"
FUNDER_REFUSAL = "funders receive aggregates only"


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


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


def consent_refusal(
    *, data: ReferralSubmittedV1, now: datetime, record: ConsentRecord | None = None
) -> str | None:
    """Why the patient's consent (and its quoted registry record) does not cover delivery to
    the recipient, or None; see consent.py."""
    return referral_consent_refusal(data=data, now=now, record=record)


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
        reason = consent_refusal(data=data, now=now, record=consent)
        if reason is not None:
            return Routing(targets=[], refusals=[Refusal(data.recipient_partner_id, reason)])
    for partner_id in sorted(parties - set(granted)):
        refusals.append(Refusal(partner_id, "no subscribe grant"))
    entitled = parties & set(granted)
    targets = [s for s in subscribers if s.partner_id in entitled]
    for partner_id in sorted(entitled - {s.partner_id for s in targets}):
        refusals.append(Refusal(partner_id, "no active subscription"))
    return Routing(
        targets=_filtered(targets, data=data), refusals=refusals, terms=terms, consent=consent
    )


def _filtered(targets: list[Subscriber], *, data: EventData) -> list[Subscriber]:
    # A subscription's own filters narrow, after the grant decided: a miss is a routing fact.
    zone = event_zone(data=data)
    return [s for s in targets if matches_filters(s, event_type=data.event_type, zone=zone)]


def default_view(*, data: EventData, recipient_kind: str | None) -> frozenset[Classification]:
    """The hub's default view of this event for a recipient of this kind."""
    if isinstance(data, IncidentAlertV2):
        return EVERYTHING if recipient_kind == PartnerKind.POLICE.value else COMMUNITY_VIEW
    if isinstance(data, BulletinPublishedV1):
        return COMMUNITY_VIEW
    if isinstance(data, ReferralSubmittedV1 | ReferralStatusChangedV1):
        return PARTY_VIEW
    return frozenset({C.PUBLIC})


def field_view(
    *,
    data: EventData,
    recipient_kind: str | None,
    grant_view: frozenset[Classification] | None = None,
) -> frozenset[Classification]:
    """The effective view: the grant's own view or the default, cut to the hard floor."""
    view = (
        grant_view
        if grant_view is not None
        else default_view(data=data, recipient_kind=recipient_kind)
    )
    if recipient_kind == PartnerKind.POLICE.value:
        return view - NEVER_TO_POLICE
    return view - NEVER_TO_NON_POLICE


def build_body(*, envelope: Envelope, redacted: Redacted) -> bytes:
    """The CloudEvents structured-mode JSON to POST: envelope, redacted data, removed pointers."""
    attributes = envelope.model_dump(mode="json", exclude_none=True, exclude={"partitionkey"})
    document = {**attributes, "data": redacted.data, "redacted": redacted.removed}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


async def route_event(*, session: AsyncSession, data: EventData, now: datetime) -> Routing:
    """Who receives this event, from the registry copy."""
    stream = stream_of(event_type=data.event_type)
    if stream is None:
        return Routing(targets=[], refusals=[])
    parties = named_parties(data=data)
    subscribers = await registry_copy.subscribers(session, stream, parties)
    candidates = {s.partner_id for s in subscribers} if parties is None else parties
    terms: dict[str, GrantTerms] = {}
    for partner_id in sorted(candidates):
        found = await registry_copy.grant_terms(session, partner_id, stream)
        if found is not None:  # None = no subscribe grant in force
            terms[partner_id] = found
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


class ConsentNotYetCopied(Exception):
    """A fresh referral quotes a consent record this copy has not applied yet: retry later."""


CONSENT_COPY_GRACE = timedelta(minutes=5)
"""How long a referral may wait for its consent record to reach this copy before it is
refused as unknown. Intake accepted it only once its own copy knew the record, so an unknown
id in a fresh referral means this copy lags behind the registry's stream."""


async def _consent_copied(session: AsyncSession, *, event: Event[Any], now: datetime) -> None:
    data = event.data
    if not isinstance(data, ReferralSubmittedV1) or data.consent.consent_id is None:
        return
    if now - event.envelope.time > CONSENT_COPY_GRACE:
        return
    if await registry_copy.consent(session, data.consent.consent_id) is None:
        raise ConsentNotYetCopied("the referral's consent record has not reached this copy yet")


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


def channel_columns(channel: Channel, *, now: datetime) -> dict[str, Any]:
    """A delivery's channel, and for the inbox: delivered the moment it is stored."""
    if channel is Channel.INBOX:
        return {
            "channel": channel.value,
            "status": DeliveryStatus.DELIVERED.value,
            "next_attempt_at": None,
            "delivered_at": now,
        }
    return {"channel": channel.value}


async def plan_deliveries(
    *,
    session: AsyncSession,
    event: Event[Any],
    box: SecretBox,
    now: datetime | None = None,
    sms_hint: str = NO_LINK_HINT,
) -> int:
    """Store one pending delivery per recipient subscription; return how many were added.

    `sms_hint`: where an SMS notice says to read the event (see sms_notice.read_hint)."""
    now = now or datetime.now(UTC)
    envelope = event.envelope
    await _consent_copied(session, event=event, now=now)
    routing = await route_event(session=session, data=event.data, now=now)
    kinds = await store.partner_kinds(session, {s.partner_id for s in routing.targets})
    routing = without_funders(routing, kinds)
    for refusal in routing.refusals:
        log.info(
            "delivery refused",
            event_id=envelope.id,
            event_type=envelope.type,
            partner_id=refusal.partner_id,
            reason=refusal.reason,
        )
    # Named partners refused (consent, no subscribe grant) go to the audit log in this
    # transaction; routing facts (out of scope, no subscription) are only counted: see audit.py.
    await audit.stage_refusals(session, envelope=envelope, refusals=routing.refusals, now=now)
    added = 0
    for target in routing.targets:
        grant = routing.terms.get(target.partner_id)
        view = field_view(
            data=event.data,
            recipient_kind=kinds.get(target.partner_id),
            grant_view=grant.field_view if grant is not None else None,
        )
        view = narrow_to_consent(
            view, data=event.data, recipient_partner_id=target.partner_id, record=routing.consent
        )
        view = channel_view(target.channel, view)
        redacted = redact(event.data, view)
        if target.channel is Channel.EMAIL:
            body = email_body(envelope=envelope, redacted=redacted)
        elif target.channel is Channel.SMS:
            body = sms_body(envelope=envelope, redacted=redacted, hint=sms_hint)
        else:
            body = build_body(envelope=envelope, redacted=redacted).decode()
        added += await store.add_delivery(
            session,
            {
                "delivery_id": str(uuid.uuid4()),
                "event_id": envelope.id,
                "event_type": envelope.type,
                "event_time": envelope.time,
                "subscription_id": target.subscription_id,
                "partner_id": target.partner_id,
                "url": target.url,
                "body": box.encrypt(body),
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                **channel_columns(target.channel, now=now),
            },
        )
    log.info("deliveries planned", event_id=envelope.id, event_type=envelope.type, count=added)
    return added


async def partner_deliveries(
    *,
    session: AsyncSession,
    partner_id: str,
    event_id: str | None,
    status: DeliveryStatus | None,
    limit: int,
) -> list[store.DeliveryRecord]:
    """A partner's own deliveries, newest first."""
    return await store.list_deliveries(
        session,
        partner_id=partner_id,
        event_id=event_id,
        status=status.value if status is not None else None,
        limit=limit,
    )


async def partner_delivery(
    *, session: AsyncSession, partner_id: str, delivery_id: str
) -> tuple[store.DeliveryRecord, list[store.AttemptRecord]] | None:
    """One of the partner's own deliveries with its attempts; None when not theirs."""
    record = await store.get_delivery(session, partner_id=partner_id, delivery_id=delivery_id)
    if record is None:
        return None
    return record, await store.list_attempts(session, delivery_id)


async def is_someone_elses_delivery(*, session: AsyncSession, delivery_id: str) -> bool:
    """Whether a delivery the caller may not see exists (its 404 is then a refusal to audit)."""
    return await store.delivery_exists(session, delivery_id)
