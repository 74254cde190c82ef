"""Idempotent, loss-free consumption of contract events.

Each record is decoded against the contracts. A record that breaks them goes to the dead-letter
topic with the reason, then is acknowledged; so does an event a handler refuses by raising
ContractViolation (valid by its schema, against a rule such as a time in the future), its
transaction rolled back. A valid event is applied in one transaction with a
row in `processed_events`, so an event seen twice is acted on once. The subscriber commits the
offset only after that transaction (see kafka.subscribe); any error makes the broker
deliver the record again.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import structlog
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import ContractViolation, Event, EventData, from_kafka, topics
from cvihub_contracts.upcasting import to_latest
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.tables import define_inbox

__all__ = ["EventConsumer", "EventHandler", "define_inbox", "raw_headers"]

log = structlog.get_logger(__name__)

EventHandler = Callable[[AsyncSession, Event[Any]], Awaitable[None]]


def raw_headers(message: KafkaMessage) -> dict[str, bytes]:
    """The record's headers as bytes, the way they travelled."""
    record = message.raw_message
    assert not isinstance(record, tuple), "batch subscribers are not used"
    return {name: value or b"" for name, value in record.headers}


class EventConsumer:
    """Applies each event at most once and sends records that break the contracts aside."""

    def __init__(
        self,
        *,
        name: str,
        sessions: SessionFactory,
        inbox: Table,
        broker: KafkaBroker,
        handlers: Mapping[type[EventData], EventHandler],
        after_commit: Callable[[], None] | None = None,
        retry_pause_seconds: float = 0.5,
    ) -> None:
        self._name = name
        self._sessions = sessions
        self._inbox = inbox
        self._broker = broker
        self._handlers = dict(handlers)
        self._after_commit = after_commit
        self._retry_pause = retry_pause_seconds

    async def __call__(self, message: KafkaMessage) -> None:
        """Handle one record; raise to have it delivered again."""
        record = message.raw_message
        assert not isinstance(record, tuple)
        headers = raw_headers(message)
        try:
            event = from_kafka(headers, record.key, record.value or b"")
        except ContractViolation as violation:
            await self._dead_letter(message, headers, violation.reason)
            return
        # Handlers are written for the newest major of each type; older ones are upcast first.
        event = to_latest(event)
        handler = self._handlers.get(type(event.data))
        if handler is None:
            return
        try:
            applied = await self._apply(event, handler)
        except ContractViolation as violation:
            await self._dead_letter(message, headers, violation.reason)
            return
        except Exception:
            log.exception(
                "event handler failed; will retry",
                consumer=self._name,
                event_id=event.envelope.id,
                event_type=event.envelope.type,
            )
            # A short pause stops a failing dependency from turning redelivery into a busy loop.
            await asyncio.sleep(self._retry_pause)
            raise
        if applied and self._after_commit is not None:
            self._after_commit()

    async def _apply(self, event: Event[Any], handler: EventHandler) -> bool:
        inbox = self._inbox
        async with self._sessions() as session, session.begin():
            seen = await session.scalar(
                select(inbox.c.event_id).where(
                    inbox.c.consumer == self._name, inbox.c.event_id == event.envelope.id
                )
            )
            if seen is not None:
                log.info("duplicate event skipped", consumer=self._name, event_id=event.envelope.id)
                return False
            await handler(session, event)
            # A concurrent replica inserting the same row makes this commit fail: the record is
            # then redelivered, found in the inbox, and skipped.
            await session.execute(
                inbox.insert().values(
                    consumer=self._name, event_id=event.envelope.id, processed_at=datetime.now(UTC)
                )
            )
        return True

    async def _dead_letter(
        self, message: KafkaMessage, headers: dict[str, bytes], reason: str
    ) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
        dead_headers = {name: value.decode(errors="replace") for name, value in headers.items()}
        dead_headers.update(
            {
                "x-dead-letter-reason": reason,
                "x-dead-letter-consumer": self._name,
                "x-original-topic": record.topic,
                "x-original-partition": str(record.partition),
                "x-original-offset": str(record.offset),
            }
        )
        await self._broker.publish(
            record.value or b"", topics.DEAD_LETTERS, key=record.key, headers=dead_headers
        )
        log.warning(
            "record dead-lettered",
            consumer=self._name,
            reason=reason,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
