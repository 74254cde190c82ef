"""Refused access as audit events: each refusal becomes an AccessRefusedV1 in the outbox.

The registry consumes them from topics.AUDIT and chains them into its tamper-evident audit log.
No web framework here, so a service core (notifications' routing) can build refusal records
too; the HTTP side is in refusal_audit.py.

A refusal is stored in a transaction of its own: the refused request rolls back or never
writes, the record of its refusal stays. Unauthenticated refusals (no known partner) are
counted, not recorded one by one: anyone can send a bad key, and one entry per request would let
them flood the chain. Each (service, credential id, reason) gets at most one entry per window,
carrying how many refusals it stands for.
"""

import asyncio
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import KafkaRecord, new_event, service_source, to_kafka
from cvihub_contracts.audit.access_refused_v1 import CREDENTIAL_ID_PATTERN, AccessRefusedV1
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.outbox import add_to_outbox

log = structlog.get_logger(__name__)

UNKNOWN = "unknown"
_CREDENTIAL_ID = re.compile(CREDENTIAL_ID_PATTERN)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Refusal:
    """One refusal (or, with count > 1, several counted together): ids and reasons only."""

    action: str
    reason: str
    decided_at: datetime
    partner_id: str | None = None
    credential_id: str | None = None
    resource: str | None = None
    status_code: int | None = None
    count: int = 1
    first_decided_at: datetime | None = None


def refusal_event(*, service: str, refusal: Refusal) -> AccessRefusedV1:
    """The contract payload of a refusal decided by `service`."""
    return AccessRefusedV1(
        service=service,
        partner_id=refusal.partner_id,
        # An id the contract cannot carry (never expected) is dropped, not the refusal.
        credential_id=(
            refusal.credential_id
            if refusal.credential_id and _CREDENTIAL_ID.match(refusal.credential_id)
            else None
        ),
        action=refusal.action[:200],
        resource=refusal.resource[:200] if refusal.resource else None,
        reason=refusal.reason[:200],
        status_code=refusal.status_code,
        decided_at=refusal.decided_at,
        count=refusal.count,
        first_decided_at=refusal.first_decided_at if refusal.count > 1 else None,
    )


def refusal_record(*, service: str, refusal: Refusal) -> KafkaRecord:
    """The Kafka record (fresh event id) announcing a refusal on topics.AUDIT."""
    data = refusal_event(service=service, refusal=refusal)
    return to_kafka(new_event(data, source=service_source(service), time=refusal.decided_at))


async def add_refusal(
    session: AsyncSession, outbox: Table, *, service: str, refusal: Refusal
) -> None:
    """Stage a refusal in the outbox, in the caller's transaction."""
    await add_to_outbox(session, outbox, refusal_record(service=service, refusal=refusal))


@dataclass
class _Window:
    started_at: datetime
    pending: int = 0
    first_pending_at: datetime | None = None
    latest: Refusal | None = None
    same_credential: bool = True


AggregationKey = tuple[str, str]


class RefusalAggregator:
    """Counts repeats of anonymous refusals: per key, at most one entry per window (pure)."""

    def __init__(self, *, window: timedelta = timedelta(minutes=1), max_keys: int = 100) -> None:
        self._window = window
        self._max_keys = max_keys
        self._open: dict[AggregationKey, _Window] = {}

    def key_of(self, refusal: Refusal) -> AggregationKey:
        """(credential id or "unknown", reason); beyond max_keys every new id counts as unknown,
        so random key ids cannot each buy an entry of their own."""
        key = (refusal.credential_id or UNKNOWN, refusal.reason)
        if key not in self._open and len(self._open) >= self._max_keys:
            return (UNKNOWN, refusal.reason)
        return key

    def add(self, refusal: Refusal) -> list[Refusal]:
        """Take one refusal; return the entries to store now (expired windows, or this one)."""
        now = refusal.decided_at
        due = self.expired(now)
        key = self.key_of(refusal)
        window = self._open.get(key)
        if window is None:
            # The first of its kind in a window is stored at once; repeats wait and are counted.
            self._open[key] = _Window(started_at=now)
            return [*due, refusal]
        window.pending += 1
        window.first_pending_at = window.first_pending_at or now
        if window.latest is not None and window.latest.credential_id != refusal.credential_id:
            window.same_credential = False
        window.latest = refusal
        return due

    def expired(self, now: datetime) -> list[Refusal]:
        """Close every window older than the window length; the counted repeats to store."""
        due: list[Refusal] = []
        for key, window in list(self._open.items()):
            if now - window.started_at < self._window:
                continue
            summary = self._summary(window)
            if summary is None:
                del self._open[key]
            else:
                # Storing the count opens the next window: still one entry per window per key.
                due.append(summary)
                self._open[key] = _Window(started_at=now)
        return due

    def drain(self) -> list[Refusal]:
        """Close every window now (at shutdown): the counted repeats to store."""
        due = [s for window in self._open.values() if (s := self._summary(window)) is not None]
        self._open.clear()
        return due

    @staticmethod
    def _summary(window: _Window) -> Refusal | None:
        if window.pending == 0 or window.latest is None:
            return None
        return replace(
            window.latest,
            count=window.pending,
            first_decided_at=window.first_pending_at,
            credential_id=window.latest.credential_id if window.same_credential else None,
        )


class RefusalRecorder:
    """Stores refusals as AccessRefusedV1 outbox records, each in a transaction of its own."""

    def __init__(
        self,
        *,
        service: str,
        sessions: SessionFactory,
        outbox: Table,
        wake: Callable[[], None] | None = None,
        window: timedelta = timedelta(minutes=1),
        max_keys: int = 100,
        clock: Clock | None = None,
    ) -> None:
        self.service = service
        self._sessions = sessions
        self._outbox = outbox
        self._wake = wake
        self._window = window
        self._clock = clock or (lambda: datetime.now(UTC))
        self._aggregator = RefusalAggregator(window=window, max_keys=max_keys)

    async def record(
        self,
        *,
        action: str,
        reason: str,
        partner_id: str | None = None,
        credential_id: str | None = None,
        resource: str | None = None,
        status_code: int | None = None,
    ) -> None:
        """Record a refusal: one by one for a known partner, counted for an unknown caller."""
        refusal = Refusal(
            action=action,
            reason=reason,
            decided_at=self._clock(),
            partner_id=partner_id,
            credential_id=credential_id,
            resource=resource,
            status_code=status_code,
        )
        if partner_id is not None:
            due = [*self._aggregator.expired(refusal.decided_at), refusal]
        else:
            due = self._aggregator.add(refusal)
        await self._store(due)

    async def flush_expired(self) -> None:
        """Store the counted repeats of every window that has ended."""
        await self._store(self._aggregator.expired(self._clock()))

    async def flush(self) -> None:
        """Store every counted repeat now, windows ended or not (at shutdown)."""
        await self._store(self._aggregator.drain())

    async def run(self) -> None:
        """Close ended windows while the service runs, and store what is left when it stops."""
        try:
            while True:
                await asyncio.sleep(self._window.total_seconds())
                await self.flush_expired()
        finally:
            with contextlib.suppress(Exception):
                await self.flush()

    async def _store(self, refusals: list[Refusal]) -> None:
        if not refusals:
            return
        try:
            async with transaction(self._sessions) as session:
                for refusal in refusals:
                    await add_refusal(session, self._outbox, service=self.service, refusal=refusal)
        except Exception:
            # The refused caller still gets its answer; the failure is loud in the log.
            log.exception("refusal could not be recorded", count=len(refusals))
            return
        if self._wake is not None:
            self._wake()
