"""Transactional outbox: an event is stored with the change that caused it, then relayed.

A service writes the record in the same transaction as its own state, so an event is published
if and only if the change committed. The relay publishes unsent records in order and marks them
sent only after the broker acknowledged them; a crash in between re-sends, and consumers are
idempotent.

Payloads (a referral's patient, an alert's place) are sealed with the service's data key ring
before they are stored and opened only by the relay as it publishes: the table, its backups and
a raw dump of the database hold no plaintext event data. Ids, topic, key and CloudEvents
headers stay readable; they carry ids, never personal data.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import structlog
from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import KafkaRecord
from cvihub_runtime.db import SessionFactory, key_ring_of
from cvihub_runtime.tables import define_outbox

__all__ = ["OutboxRelay", "Publisher", "add_to_outbox", "define_outbox", "open_payload"]

log = structlog.get_logger(__name__)

Publisher = Callable[[Sequence[KafkaRecord]], Awaitable[None]]


async def add_to_outbox(session: AsyncSession, outbox: Table, record: KafkaRecord) -> None:
    """Store a record, its payload sealed, to publish once the surrounding transaction commits."""
    keys = key_ring_of(session)
    await session.execute(
        outbox.insert().values(
            event_id=record.headers["ce_id"].decode(),
            topic=record.topic,
            key=record.key,
            headers={name: value.decode() for name, value in record.headers.items()},
            value=keys.seal(record.value),
            created_at=datetime.now(UTC),
        )
    )


class OutboxRelay:
    """Publishes unsent outbox records; wake it after a commit for low latency."""

    def __init__(
        self,
        sessions: SessionFactory,
        outbox: Table,
        publish: Publisher,
        *,
        batch_size: int = 200,
        idle_poll_seconds: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._publish = publish
        self._batch_size = batch_size
        self._idle_poll_seconds = idle_poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Tell the relay that new records are waiting."""
        self._wake.set()

    async def run(self) -> None:
        """Relay forever; errors are logged and retried after a pause."""
        while True:
            try:
                sent = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                sent = 0
                await asyncio.sleep(self._idle_poll_seconds)
            if sent < self._batch_size:
                self._wake.clear()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel
                # that lands just as the event is set (CPython gh-86296), hanging shutdown.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._idle_poll_seconds):
                        await self._wake.wait()

    async def relay_once(self) -> int:
        """Publish one batch of unsent records; return how many were sent."""
        table = self._outbox
        async with self._sessions() as session, session.begin():
            # SKIP LOCKED lets two replicas relay side by side on PostgreSQL; SQLite ignores it.
            rows = (
                await session.execute(
                    select(table.c.id, table.c.topic, table.c.key, table.c.headers, table.c.value)
                    .where(table.c.published_at.is_(None))
                    .order_by(table.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            keys = key_ring_of(session)
            records = [
                KafkaRecord(
                    topic=row.topic,
                    key=row.key,
                    headers={name: value.encode() for name, value in row.headers.items()},
                    value=keys.open(row.value),
                )
                for row in rows
            ]
            await self._publish(records)
            await session.execute(
                update(table)
                .where(table.c.id.in_([row.id for row in rows]))
                .values(published_at=datetime.now(UTC))
            )
        log.debug("outbox relayed", count=len(rows))
        return len(rows)


def open_payload(session: AsyncSession, stored: bytes) -> bytes:
    """A stored outbox value opened with the session's key ring (for tests and diagnostics)."""
    return key_ring_of(session).open(stored)
