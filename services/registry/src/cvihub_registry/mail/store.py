"""Every query on the mail outbox: enqueue, claim for delivery, record the outcome, list."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry.mail.domain import MailMessage, MailStatus, StoredMail
from cvihub_registry.models import mail_outbox
from cvihub_runtime.sealed import open_values, seal_values


@dataclass(frozen=True)
class ClaimedMail:
    """A message one relay holds the lease of; the body is still encrypted."""

    message_id: int
    to: str
    subject: str
    body_encrypted: str | None
    attempts: int
    expires_at: datetime | None


def _aware(value: Any) -> Any:
    # SQLite hands back naive datetimes; everything the registry stores is UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _recipient(session: AsyncSession, stored: str) -> str:
    return str(open_values(session, mail_outbox, {"to_address": stored})["to_address"])


async def add_mail(
    session: AsyncSession, message: MailMessage, *, body_encrypted: str, now: datetime
) -> None:
    """Queue a message, due at once; the caller has encrypted the body."""
    await session.execute(
        mail_outbox.insert().values(
            to_address=seal_values(session, mail_outbox, {"to_address": message.to})["to_address"],
            subject=message.subject,
            body=body_encrypted,
            created_at=now,
            status=MailStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            expires_at=message.expires_at,
        )
    )


async def due_mail(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Ids of pending messages due now that no live lease holds, oldest first."""
    rows = await session.execute(
        select(mail_outbox.c.message_id)
        .where(
            mail_outbox.c.status == MailStatus.PENDING.value,
            mail_outbox.c.next_attempt_at <= now,
            or_(mail_outbox.c.lease_until.is_(None), mail_outbox.c.lease_until <= now),
        )
        .order_by(mail_outbox.c.message_id)
        .limit(limit)
    )
    return [int(row.message_id) for row in rows]


async def claim(
    session: AsyncSession, *, message_id: int, now: datetime, lease_until: datetime
) -> ClaimedMail | None:
    """Take the lease of a due message and count the attempt; None if another relay has it."""
    # One conditional UPDATE: of two replicas racing for the row, exactly one matches.
    row = (
        await session.execute(
            update(mail_outbox)
            .where(
                mail_outbox.c.message_id == message_id,
                mail_outbox.c.status == MailStatus.PENDING.value,
                or_(mail_outbox.c.lease_until.is_(None), mail_outbox.c.lease_until <= now),
            )
            .values(lease_until=lease_until, attempts=mail_outbox.c.attempts + 1)
            .returning(
                mail_outbox.c.to_address,
                mail_outbox.c.subject,
                mail_outbox.c.body,
                mail_outbox.c.attempts,
                mail_outbox.c.expires_at,
            )
        )
    ).first()
    if row is None:
        return None
    return ClaimedMail(
        message_id=message_id,
        to=_recipient(session, row.to_address),
        subject=row.subject,
        body_encrypted=row.body,
        attempts=int(row.attempts),
        expires_at=_aware(row.expires_at),
    )


async def mark_sent(session: AsyncSession, *, message_id: int, at: datetime) -> None:
    """Delivered: wipe the body (the code now lives only in the person's mailbox)."""
    await _finish(
        session, message_id, status=MailStatus.SENT, sent_at=at, last_error=None, body=None
    )


async def mark_failed(session: AsyncSession, *, message_id: int, error: str) -> None:
    """Given up: wipe the body too (a code nobody received must not linger)."""
    await _finish(session, message_id, status=MailStatus.FAILED, last_error=error, body=None)


async def mark_retry(
    session: AsyncSession, *, message_id: int, next_attempt_at: datetime, error: str
) -> None:
    """Not delivered this time: release the lease and wait until the next attempt."""
    await _finish(
        session,
        message_id,
        status=MailStatus.PENDING,
        next_attempt_at=next_attempt_at,
        last_error=error,
    )


async def _finish(
    session: AsyncSession, message_id: int, *, status: MailStatus, **values: Any
) -> None:
    await session.execute(
        update(mail_outbox)
        .where(
            mail_outbox.c.message_id == message_id,
            mail_outbox.c.status == MailStatus.PENDING.value,
        )
        .values(status=status.value, lease_until=None, **values)
    )


async def list_mail(session: AsyncSession, *, limit: int) -> list[StoredMail]:
    """The newest messages first, bodies as stored (encrypted, or None once wiped)."""
    rows = await session.execute(
        select(mail_outbox).order_by(mail_outbox.c.message_id.desc()).limit(limit)
    )
    return [
        StoredMail(
            message_id=row.message_id,
            to=_recipient(session, row.to_address),
            subject=row.subject,
            body=row.body,
            created_at=_aware(row.created_at),
            status=MailStatus(row.status),
            attempts=row.attempts,
            next_attempt_at=_aware(row.next_attempt_at),
            last_error=row.last_error,
            sent_at=_aware(row.sent_at),
        )
        for row in rows
    ]
