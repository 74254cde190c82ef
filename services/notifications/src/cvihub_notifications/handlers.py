"""Kafka subscribers of notifications: the topics it consumes and which handler applies each
event type. Records reach the idempotent EventConsumer through `Hosting.subscribe` (the shared
`cvihub_runtime.kafka.subscribe`, acknowledged only after the work is stored)."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, EventData, topics
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import Channel, SubscriptionChangedV1
from cvihub_notifications.channels.base import Transport
from cvihub_notifications.endpoints import apply_subscription_change
from cvihub_notifications.models import registry_copy
from cvihub_notifications.planning import plan_deliveries
from cvihub_registry_copy import REGISTRY_EVENT_TYPES
from cvihub_runtime.inbox import EventHandler
from cvihub_runtime.secretbox import SecretBox

TOPICS = (topics.REGISTRY, topics.REFERRALS, topics.INCIDENT_ALERTS, topics.BULLETINS)
"""The registry copy's changes and the events to deliver."""

DELIVERED_EVENTS = (
    IncidentAlertV2,
    BulletinPublishedV1,
    ReferralSubmittedV1,
    ReferralStatusChangedV1,
)
"""The newest major of each type: the EventConsumer upcasts older ones before they get here."""


def event_handlers(
    *, box: SecretBox, transports: Mapping[Channel, Transport]
) -> dict[type[EventData], EventHandler]:
    """Registry changes go to the copy (a subscription's replaced secret is kept for the
    rotation grace); every delivered event is planned into deliveries."""

    async def plan(session: AsyncSession, event: Event[Any]) -> None:
        await plan_deliveries(session=session, event=event, box=box, transports=transports)

    async def subscription_changed(session: AsyncSession, event: Event[Any]) -> None:
        await apply_subscription_change(session, event, box=box)

    handlers: dict[type[EventData], EventHandler] = dict.fromkeys(
        REGISTRY_EVENT_TYPES, registry_copy.apply
    )
    handlers[SubscriptionChangedV1] = subscription_changed
    handlers.update(dict.fromkeys(DELIVERED_EVENTS, plan))
    return handlers
