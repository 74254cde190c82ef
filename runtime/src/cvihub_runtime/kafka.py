"""The Kafka broker every service uses, and the one way to publish a contract record."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, Literal, TypedDict

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage

from cvihub_contracts import KafkaRecord


# Commit a record's offset only after its handler returned, that is after its work is stored.
# On an exception the subscriber seeks back and the record comes again (NACK): nothing is lost
# when a handler fails, and a process that dies mid-handler leaves the offset uncommitted.
async def undecoded(message: StreamMessage[Any]) -> bytes:
    """The record's value as it travelled; EventConsumer decodes it against the contracts.

    FastStream's default decoder json-parses any application/json body before the handler runs,
    so a malformed record would fail there, come back forever, block its partition and never be
    dead-lettered. With this decoder every record reaches the EventConsumer.
    """
    return message.body


class SubscriberOptions(TypedDict):
    """The keyword arguments every subscriber of the hub passes to broker.subscriber()."""

    ack_policy: AckPolicy
    auto_offset_reset: Literal["earliest", "latest", "none"]
    decoder: Callable[[StreamMessage[Any]], Awaitable[bytes]]


SUBSCRIBER_DEFAULTS: Final[SubscriberOptions] = {
    "ack_policy": AckPolicy.NACK_ON_ERROR,
    "auto_offset_reset": "earliest",
    "decoder": undecoded,
}


def make_broker(bootstrap_servers: str, *, client_id: str) -> KafkaBroker:
    """A broker whose producer waits for every in-sync replica.

    Idempotent producers need InitProducerId, which the embedded broker lacks; consumers are
    idempotent instead (see inbox.py), so a retried send that lands twice is acted on once.
    """
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        logger=None,
    )


def _header_text(headers: dict[str, bytes]) -> dict[str, str]:
    return {name: value.decode() for name, value in headers.items()}


async def publish_records(broker: KafkaBroker, records: Sequence[KafkaRecord]) -> None:
    """Send records and wait until the broker has acknowledged every one."""
    futures = [
        await broker.publish(
            record.value,
            record.topic,
            key=record.key,
            headers=_header_text(record.headers),
            no_confirm=True,
        )
        for record in records
    ]
    await asyncio.gather(*futures)
