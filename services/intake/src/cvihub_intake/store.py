"""Every query of the intake service."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import KafkaRecord
from cvihub_contracts.registry.changes_v1 import EntityStatus
from cvihub_intake.models import (
    SubmissionKind,
    idempotency_keys,
    outbox,
    registry_copy,
    submissions,
)
from cvihub_runtime.outbox import add_to_outbox


@dataclass(frozen=True)
class SubmissionRecord:
    """What the hub keeps about one accepted submission."""

    event_id: str
    partner_id: str
    kind: SubmissionKind
    accepted_at: datetime
    published: bool


async def is_active_partner(session: AsyncSession, partner_id: str) -> bool:
    """Whether the registry copy holds this partner as active."""
    status = await session.scalar(
        select(registry_copy.partners.c.status).where(
            registry_copy.partners.c.partner_id == partner_id
        )
    )
    return status == EntityStatus.ACTIVE.value


async def stage_submission(
    session: AsyncSession,
    *,
    record: KafkaRecord,
    event_id: str,
    partner_id: str,
    kind: SubmissionKind,
    accepted_at: datetime,
) -> None:
    """Store the event for the relay and the submission's receipt, in the caller's transaction."""
    await session.execute(
        submissions.insert().values(
            event_id=event_id, partner_id=partner_id, kind=kind.value, accepted_at=accepted_at
        )
    )
    await add_to_outbox(session, outbox, record)


async def submission_exists(session: AsyncSession, *, event_id: str) -> bool:
    """Whether a submission with this event id exists, whoever made it."""
    found = await session.execute(
        select(submissions.c.event_id).where(submissions.c.event_id == event_id)
    )
    return found.first() is not None


async def find_submission(
    session: AsyncSession, *, event_id: str, partner_id: str
) -> SubmissionRecord | None:
    """The partner's own submission with this event id, or None."""
    row = (
        await session.execute(
            select(
                submissions.c.event_id,
                submissions.c.partner_id,
                submissions.c.kind,
                submissions.c.accepted_at,
                outbox.c.published_at,
                outbox.c.id.label("outbox_id"),
            )
            .outerjoin(outbox, outbox.c.event_id == submissions.c.event_id)
            .where(submissions.c.event_id == event_id, submissions.c.partner_id == partner_id)
        )
    ).first()
    if row is None:
        return None
    accepted_at: datetime = row.accepted_at
    return SubmissionRecord(
        event_id=row.event_id,
        partner_id=row.partner_id,
        kind=SubmissionKind(row.kind),
        accepted_at=accepted_at,
        # No outbox row: it was published and then purged after the replay retention.
        published=row.published_at is not None or row.outbox_id is None,
    )


@dataclass(frozen=True)
class StoredAnswer:
    """The answer a first attempt got under an idempotency key, and what it was asked."""

    fingerprint: str
    status_code: int
    response: dict[str, Any]


async def find_answer(
    session: AsyncSession, *, partner_id: str, key_hash: str, now: datetime
) -> StoredAnswer | None:
    """The answer kept under the partner's key, unless it has expired."""
    row = (
        await session.execute(
            select(
                idempotency_keys.c.fingerprint,
                idempotency_keys.c.status_code,
                idempotency_keys.c.response,
            ).where(
                idempotency_keys.c.partner_id == partner_id,
                idempotency_keys.c.key_hash == key_hash,
                idempotency_keys.c.expires_at > now,
            )
        )
    ).first()
    if row is None:
        return None
    return StoredAnswer(
        fingerprint=row.fingerprint, status_code=row.status_code, response=dict(row.response)
    )


async def find_answers(
    session: AsyncSession, *, partner_id: str, key_hashes: set[str], now: datetime
) -> dict[str, StoredAnswer]:
    """The live answers kept under any of the partner's keys, by key hash."""
    found: dict[str, StoredAnswer] = {}
    wanted = sorted(key_hashes)
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(
                idempotency_keys.c.key_hash,
                idempotency_keys.c.fingerprint,
                idempotency_keys.c.status_code,
                idempotency_keys.c.response,
            ).where(
                idempotency_keys.c.partner_id == partner_id,
                idempotency_keys.c.key_hash.in_(wanted[start : start + 500]),
                idempotency_keys.c.expires_at > now,
            )
        )
        for row in rows:
            found[row.key_hash] = StoredAnswer(
                fingerprint=row.fingerprint,
                status_code=row.status_code,
                response=dict(row.response),
            )
    return found


async def keep_answer(
    session: AsyncSession,
    *,
    partner_id: str,
    key_hash: str,
    answer: StoredAnswer,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Take the key for this answer; IntegrityError if a live attempt holds it already."""
    await session.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.partner_id == partner_id,
            idempotency_keys.c.key_hash == key_hash,
            idempotency_keys.c.expires_at <= now,
        )
    )
    await session.execute(
        idempotency_keys.insert().values(
            partner_id=partner_id,
            key_hash=key_hash,
            fingerprint=answer.fingerprint,
            status_code=answer.status_code,
            response=answer.response,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def purge_expired_keys(session: AsyncSession, *, now: datetime) -> int:
    """Forget every idempotency key past its time; how many went."""
    result = await session.execute(
        delete(idempotency_keys).where(idempotency_keys.c.expires_at <= now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_for_replay(
    session: AsyncSession,
    *,
    topic: str,
    since: datetime,
    until: datetime | None,
    source: str | None,
) -> int:
    """Mark published records of a topic and time range (and source) for the relay to send
    again, in their first order; how many."""
    query = select(outbox.c.id, outbox.c.headers).where(
        outbox.c.topic == topic,
        outbox.c.published_at.is_not(None),
        outbox.c.created_at >= since,
    )
    if until is not None:
        query = query.where(outbox.c.created_at < until)
    rows = (await session.execute(query)).all()
    ids = [row.id for row in rows if source is None or row.headers.get("ce_source") == source]
    for start in range(0, len(ids), 500):
        await session.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids[start : start + 500]))
            .values(published_at=None)
        )
    return len(ids)


async def purge_published(session: AsyncSession, *, before: datetime) -> int:
    """Forget outbox records published before this time (past the replay retention)."""
    result = await session.execute(
        delete(outbox).where(outbox.c.published_at.is_not(None), outbox.c.published_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
