"""Kafka subscribers of the referrals service: thin adapters to the use cases."""

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, EventData, topics
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_referrals import service
from cvihub_runtime.inbox import EventHandler
from cvihub_runtime.kafka import SUBSCRIBER_DEFAULTS
from cvihub_runtime.replica import REGISTRY_EVENT_TYPES, RegistryReplica


async def on_referral_submitted(session: AsyncSession, event: Event[Any]) -> None:
    """Store the submitted referral."""
    # Looked up at call time, so a test can wrap the use case to inject a failure.
    await service.record_submission(session=session, event=event)


def event_handlers(replica: RegistryReplica) -> dict[type[EventData], EventHandler]:
    """Which use case applies each event type; others (our own status changes) are skipped."""
    handlers: dict[type[EventData], EventHandler] = {
        model: replica.apply for model in REGISTRY_EVENT_TYPES
    }
    handlers[ReferralSubmittedV1] = on_referral_submitted
    return handlers


def subscribe(
    broker: KafkaBroker,
    *,
    group_id: str,
    consume: Callable[[KafkaMessage], Awaitable[None]],
) -> None:
    """One subscriber for the registry and referral topics, in the service's consumer group."""

    async def on_record(message: KafkaMessage) -> None:
        await consume(message)

    broker.subscriber(
        topics.REGISTRY,
        topics.REFERRALS,
        group_id=group_id,
        **SUBSCRIBER_DEFAULTS,
    )(on_record)
