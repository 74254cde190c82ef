"""Kafka subscribers of intake: registry changes keep the local registry copy current."""

from collections.abc import Awaitable, Callable

from faststream.kafka.annotations import KafkaMessage

from cvihub_runtime.inbox import EventConsumer


def registry_handler(consumer: EventConsumer) -> Callable[[KafkaMessage], Awaitable[None]]:
    """The subscriber for topics.REGISTRY: apply each change to the registry copy once."""

    async def on_registry_change(message: KafkaMessage) -> None:
        await consumer(message)

    return on_registry_change
