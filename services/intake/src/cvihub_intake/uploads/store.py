"""Every query of uploads: jobs and their report rows."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_intake.models import upload_jobs, upload_rows

UNFINISHED = ("queued", "running")


@dataclass(frozen=True)
class RowResult:
    """One line of the report."""

    row_number: int
    status: str
    event_id: str | None = None
    replayed: bool = False
    errors: tuple[dict[str, Any], ...] = ()


async def create_job(session: AsyncSession, **values: Any) -> None:
    """Store a new job."""
    await session.execute(upload_jobs.insert().values(**values))


async def record_progress(
    session: AsyncSession, upload_id: str, rows: list[RowResult], **counts: Any
) -> None:
    """Store report rows and the job's new counts (and status, when given)."""
    if rows:
        await session.execute(
            upload_rows.insert(),
            [
                {
                    "upload_id": upload_id,
                    "row_number": r.row_number,
                    "status": r.status,
                    "event_id": r.event_id,
                    "replayed": r.replayed,
                    "errors": list(r.errors),
                }
                for r in rows
            ],
        )
    if counts:
        await session.execute(
            update(upload_jobs).where(upload_jobs.c.upload_id == upload_id).values(**counts)
        )


async def find_job(
    session: AsyncSession, *, upload_id: str, partner_id: str | None
) -> dict[str, Any] | None:
    """The job (the partner's own, unless partner_id is None), as a mapping."""
    query = select(upload_jobs).where(upload_jobs.c.upload_id == upload_id)
    if partner_id is not None:
        query = query.where(upload_jobs.c.partner_id == partner_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def report_rows(
    session: AsyncSession, *, upload_id: str, offset: int = 0, limit: int | None = None
) -> list[RowResult]:
    """The job's report rows in file order."""
    query = (
        select(upload_rows)
        .where(upload_rows.c.upload_id == upload_id)
        .order_by(upload_rows.c.row_number)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        RowResult(
            row_number=row.row_number,
            status=row.status,
            event_id=row.event_id,
            replayed=row.replayed,
            errors=tuple(row.errors),
        )
        for row in (await session.execute(query)).all()
    ]


async def count_rows(session: AsyncSession, *, upload_id: str) -> int:
    """How many report rows the job has."""
    query = select(func.count()).where(upload_rows.c.upload_id == upload_id)
    return int(await session.scalar(query) or 0)


async def interrupt_unfinished(session: AsyncSession, *, now: datetime) -> int:
    """Mark jobs a stopped process left unfinished as interrupted; how many."""
    result = await session.execute(
        update(upload_jobs)
        .where(upload_jobs.c.status.in_(UNFINISHED))
        .values(status="interrupted", finished_at=now, detail="the service stopped mid-upload")
    )
    return int(getattr(result, "rowcount", 0) or 0)
