"""The Kafka broker every service uses, the one way to subscribe, and the one way to publish."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from cvihub_contracts import KafkaRecord
from cvihub_runtime.settings import ConsumerTuning

ACK_POLICY = AckPolicy.NACK_ON_ERROR
"""The only ack policy the hub's subscribers use: commit after the handler stored its work."""


RecordHandler = Callable[[KafkaMessage], Awaitable[None]]
"""Takes a batch of records (`message.raw_message`, a tuple); raising has them delivered
again (see inbox.EventConsumer)."""

MAX_BATCH = 200
"""The most records one handler call takes."""


async def undecoded(message: StreamMessage[Any]) -> bytes:
    """The record's value as it travelled; EventConsumer decodes it against the contracts.

    FastStream's default decoder json-parses any application/json body before the handler runs,
    so a malformed record would fail there, come back forever, block its partition and never be
    dead-lettered. With this decoder every record reaches the EventConsumer.
    """
    return message.body


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


def subscribe(
    broker: KafkaBroker,
    handle: RecordHandler,
    *topic_names: str,
    group_id: str,
    tuning: ConsumerTuning,
) -> None:
    """Subscribe `handle` to topics in the service's consumer group, from the earliest offset.

    The offset of a record is committed only after `handle` returned, that is after its work is
    stored (NACK_ON_ERROR, never FastStream's default of acknowledging first). On an exception
    the subscriber seeks back and the record comes again: nothing is lost when a handler fails,
    and a process that dies mid-handler leaves the offset uncommitted.
    """
    if not topic_names:
        raise ValueError("subscribe to at least one topic")

    async def on_record(message: KafkaMessage) -> None:
        await handle(message)

    broker.subscriber(
        *topic_names,
        group_id=group_id,
        ack_policy=ACK_POLICY,
        # What the broker has ready, up to MAX_BATCH records, is handled as one batch (one
        # transaction, one offset commit): a burst no longer costs a commit per event. An idle
        # wait ends after batch_wait_ms, so a lone record is not held back.
        batch=True,
        max_records=MAX_BATCH,
        batch_timeout_ms=tuning.batch_wait_ms,
        auto_offset_reset="earliest",
        decoder=undecoded,
        session_timeout_ms=tuning.session_timeout_ms,
        heartbeat_interval_ms=tuning.heartbeat_interval_ms,
        fetch_max_wait_ms=tuning.fetch_max_wait_ms,
    )(on_record)


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
