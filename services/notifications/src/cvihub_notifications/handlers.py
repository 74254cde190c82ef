"""Kafka subscribers: thin, they hand every record to the idempotent EventConsumer."""

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from cvihub_contracts import topics
from cvihub_runtime.inbox import EventConsumer
from cvihub_runtime.kafka import SUBSCRIBER_DEFAULTS


def register_subscribers(broker: KafkaBroker, *, group_id: str, consumer: EventConsumer) -> None:
    """One subscriber for the registry copy and the events to deliver."""

    @broker.subscriber(  # type: ignore[untyped-decorator]  # FastStream types it loosely
        topics.REGISTRY,
        topics.REFERRALS,
        topics.INCIDENT_ALERTS,
        topics.BULLETINS,
        group_id=group_id,
        **SUBSCRIBER_DEFAULTS,
    )
    async def on_event(message: KafkaMessage) -> None:
        await consumer(message)
