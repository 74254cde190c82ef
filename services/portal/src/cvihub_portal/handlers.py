"""Kafka subscribers of the portal: the community board and the dashboard's facts.

Only public bulletin fields are kept, and of referrals and alerts only what an aggregate needs
(ids, statuses, times, zones): never a name, a contact, a note or an address."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, EventData, topics
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus, ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_portal import store
from cvihub_portal.models import alert_facts, bulletins, referral_facts
from cvihub_runtime.inbox import EventHandler

TOPICS = (topics.BULLETINS, topics.REFERRALS, topics.INCIDENT_ALERTS)
"""The topics the portal consumes."""

_PUBLIC_BULLETIN_FIELDS = {
    "kind",
    "title",
    "summary",
    "starts_at",
    "ends_at",
    "venue",
    "url",
    "tags",
    "status",
    "publisher_partner_id",
}
"""The bulletin's public fields (`contact` is for partners only, so the board never keeps it)."""


async def on_bulletin(session: AsyncSession, event: Event[Any]) -> None:
    """Keep a bulletin's public fields for the board (a newer one replaces it)."""
    data: BulletinPublishedV1 = event.data
    public = data.model_dump(mode="json", include=_PUBLIC_BULLETIN_FIELDS)
    await store.upsert(
        session,
        bulletins,
        "bulletin_id",
        {
            "bulletin_id": str(data.bulletin_id),
            "publisher_partner_id": data.publisher_partner_id,
            "kind": data.kind.value,
            "status": data.status.value,
            "public": public,
            "starts_at": data.starts_at,
            "published_at": data.published_at,
        },
    )


async def on_referral_submitted(session: AsyncSession, event: Event[Any]) -> None:
    """Count a new referral."""
    data: ReferralSubmittedV1 = event.data
    found = await store.referral_fact(session, str(data.referral_id))
    await store.upsert(
        session,
        referral_facts,
        "referral_id",
        {
            "referral_id": str(data.referral_id),
            "status": found["status"] if found else ReferralStatus.REQUESTED.value,
            "submitted_at": data.submitted_at,
            "updated_at": found["updated_at"] if found else data.submitted_at,
        },
    )


async def on_referral_status(session: AsyncSession, event: Event[Any]) -> None:
    """Move a referral's count to its new status; note when it was accepted."""
    data: ReferralStatusChangedV1 = event.data
    found = await store.referral_fact(session, str(data.referral_id))
    if found is not None and found["updated_at"] > data.changed_at:
        return
    accepted = data.changed_at if data.status is ReferralStatus.ACCEPTED else None
    await store.upsert(
        session,
        referral_facts,
        "referral_id",
        {
            "referral_id": str(data.referral_id),
            "status": data.status.value,
            "accepted_at": (found or {}).get("accepted_at") or accepted,
            "updated_at": data.changed_at,
        },
    )


async def on_alert(session: AsyncSession, event: Event[Any]) -> None:
    """Count an incident once per zone, whatever its revisions."""
    data: IncidentAlertV2 = event.data
    await store.upsert(
        session,
        alert_facts,
        "incident_key",
        {
            "incident_key": data.subject(),
            "zone": data.location.zone,
            "occurred_at": data.occurred_at,
            "status": data.status.value,
        },
    )


def event_handlers() -> dict[type[EventData], EventHandler]:
    """Which read model each event type feeds; other types are skipped."""
    return {
        BulletinPublishedV1: on_bulletin,
        ReferralSubmittedV1: on_referral_submitted,
        ReferralStatusChangedV1: on_referral_status,
        IncidentAlertV2: on_alert,
    }
