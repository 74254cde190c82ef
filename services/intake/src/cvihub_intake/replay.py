"""Replay: the outbox keeps what it published for a while, so a time range can be sent again
(after the memory-only embedded broker restarted, or a subscriber lost data). Records keep their
event ids, so consumers that dedupe apply each one once."""

import asyncio
from datetime import UTC, datetime, timedelta

import structlog

from cvihub_contracts import Stream, partner_source, topics
from cvihub_contracts.catalog import STREAM_TOPICS
from cvihub_intake import store
from cvihub_runtime.db import SessionFactory, transaction

log = structlog.get_logger(__name__)

AUDIT_STREAM = "audit"
REPLAYABLE: dict[str, str] = {str(s.value): STREAM_TOPICS[s] for s in Stream} | {
    AUDIT_STREAM: topics.AUDIT
}
"""Streams intake publishes, by the name replay takes, and their topics."""


async def replay(
    sessions: SessionFactory,
    *,
    stream: str,
    since: datetime,
    until: datetime | None,
    partner_id: str | None,
) -> int:
    """Mark a stream's published records of a time range to be sent again; how many."""
    source = partner_source(partner_id) if partner_id else None
    async with transaction(sessions) as session:
        count = await store.mark_for_replay(
            session, topic=REPLAYABLE[stream], since=since, until=until, source=source
        )
    log.info("replay requested", stream=stream, count=count, partner_id=partner_id)
    return count


async def purge_forever(
    sessions: SessionFactory, *, retention: timedelta, every_seconds: float = 600
) -> None:
    """Forget published records older than the retention, every so often."""
    while True:
        try:
            async with transaction(sessions) as session:
                purged = await store.purge_published(session, before=datetime.now(UTC) - retention)
            if purged:
                log.info("outbox records past retention purged", count=purged)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox purge failed; retrying later")
        await asyncio.sleep(every_seconds)
