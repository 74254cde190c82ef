"""Idempotent, loss-free consumption of contract events.

Each record is decoded against the contracts. A record that breaks them goes to the dead-letter
topic with the reason, then is acknowledged; so does an event a handler refuses by raising
ContractViolation (valid by its schema, against a rule such as a time in the future), its
transaction rolled back. Valid events are applied in one transaction with their rows in
`processed_events`, so an event seen twice is acted on once. The subscriber commits the
offsets only after that transaction (see kafka.subscribe); any error makes the broker
deliver the records again.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import ConsumerRecord
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


def raw_headers(record: ConsumerRecord[Any, Any]) -> dict[str, bytes]:
    """The record's headers as bytes, the way they travelled."""
    return {name: value or b"" for name, value in record.headers}


@dataclass(frozen=True)
class _Decoded:
    record: ConsumerRecord[Any, Any]
    headers: dict[str, bytes]
    event: Event[Any]
    handler: EventHandler


class EventConsumer:
    """Applies each event at most once and sends records that break the contracts aside.

    Records come in batches (what the broker had ready, see kafka.subscribe): a batch is
    applied in one transaction, so a burst costs one commit instead of one per event. If any
    event of it fails, that transaction is rolled back and the batch is applied again one event
    per transaction, so a refused event is dead-lettered alone and the others still land."""

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
        """Handle one record or a batch of them; raise to have them delivered again."""
        raw = message.raw_message
        await self.handle(raw if isinstance(raw, tuple) else (raw,))

    async def handle(self, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        """Apply records in order; raise to have them delivered again (applied ones are then
        skipped as duplicates)."""
        decoded: list[_Decoded] = []
        for record in records:
            headers = raw_headers(record)
            try:
                event = from_kafka(headers, record.key, record.value or b"")
            except ContractViolation as violation:
                await self._dead_letter(record, headers, violation.reason)
                continue
            # Handlers are written for the newest major of each type; older ones are upcast.
            event = to_latest(event)
            handler = self._handlers.get(type(event.data))
            if handler is not None:
                decoded.append(_Decoded(record, headers, event, handler))
        if not decoded:
            return
        if len(decoded) > 1:
            try:
                applied = await self._apply(decoded)
            except Exception:  # found again, event by event, below
                log.info("batch rolled back; applying it event by event", consumer=self._name)
            else:
                self._committed(applied)
                return
        for one in decoded:
            await self._apply_one(one)

    async def _apply_one(self, one: _Decoded) -> None:
        event = one.event
        try:
            applied = await self._apply([one])
        except ContractViolation as violation:
            await self._dead_letter(one.record, one.headers, violation.reason)
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
        self._committed(applied)

    def _committed(self, applied: bool) -> None:
        if applied and self._after_commit is not None:
            self._after_commit()

    async def _apply(self, batch: Sequence[_Decoded]) -> bool:
        """Apply the events not seen before in one transaction; whether any was applied."""
        inbox = self._inbox
        ids = [one.event.envelope.id for one in batch]
        async with self._sessions() as session, session.begin():
            seen = set(
                await session.scalars(
                    select(inbox.c.event_id).where(
                        inbox.c.consumer == self._name, inbox.c.event_id.in_(ids)
                    )
                )
            )
            fresh: list[str] = []
            for one in batch:
                event_id = one.event.envelope.id
                if event_id in seen:
                    log.info("duplicate event skipped", consumer=self._name, event_id=event_id)
                    continue
                await one.handler(session, one.event)
                seen.add(event_id)
                fresh.append(event_id)
            if fresh:
                # A concurrent replica inserting the same row makes this commit fail: the
                # records are then redelivered, found in the inbox, and skipped.
                now = datetime.now(UTC)
                await session.execute(
                    inbox.insert(),
                    [{"consumer": self._name, "event_id": e, "processed_at": now} for e in fresh],
                )
        return bool(fresh)

    async def _dead_letter(
        self, record: ConsumerRecord[Any, Any], headers: dict[str, bytes], reason: str
    ) -> None:
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
