"""Every query on the audit log and its head; appending chains each row to the one before."""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry.audit.chain import AuditHead, entry_hash
from cvihub_registry.domain import AuditEntry
from cvihub_registry.models import audit_head, audit_log
from cvihub_registry.store import row_values

_HEAD_ROW = 1


async def add_audit(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    entity_id: str | None,
    detail: dict[str, Any],
) -> AuditEntry:
    """Append one audit row chained to the last (locks the audit head until commit)."""
    head = await lock_audit_head(session)
    # Hash exactly what the JSON column will give back.
    stored = json.loads(json.dumps(detail))
    values: dict[str, Any] = {
        "id": head.last_id + 1,
        "at": datetime.now(UTC),
        "actor": actor,
        "action": action,
        "entity_id": entity_id,
        "detail": stored,
        "prev_hash": head.last_hash,
    }
    values["entry_hash"] = entry_hash(**values)
    await session.execute(audit_log.insert().values(values))
    await session.execute(
        update(audit_head)
        .where(audit_head.c.id == _HEAD_ROW)
        .values(last_id=values["id"], last_hash=values["entry_hash"])
    )
    return AuditEntry(**values)


async def lock_audit_head(session: AsyncSession) -> AuditHead:
    """The audit head, locked until commit: writes first so SQLite takes its write lock too."""
    row = (
        await session.execute(
            update(audit_head)
            .where(audit_head.c.id == _HEAD_ROW)
            .values(last_id=audit_head.c.last_id)
            .returning(audit_head.c.last_id, audit_head.c.last_hash)
        )
    ).first()
    if row is None:
        # Never start a new chain silently: that would hide a deleted head.
        raise RuntimeError("the audit_head row is missing; run the registry's migrations")
    return AuditHead(last_id=int(row.last_id), last_hash=row.last_hash)


async def get_audit_head(session: AsyncSession) -> AuditHead | None:
    """The audit head as committed, without locking it."""
    row = (await session.execute(select(audit_head))).first()
    return AuditHead(last_id=int(row.last_id), last_hash=row.last_hash) if row else None


async def list_audit(
    session: AsyncSession, *, limit: int, action: str | None = None
) -> list[AuditEntry]:
    """The newest audit rows first, optionally only those of one action."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    rows = await session.execute(query)
    return [AuditEntry(**row_values(row)) for row in rows]


async def audit_page(session: AsyncSession, *, after_id: int, limit: int) -> list[AuditEntry]:
    """Audit rows with ids above `after_id`, oldest first."""
    rows = await session.execute(
        select(audit_log).where(audit_log.c.id > after_id).order_by(audit_log.c.id).limit(limit)
    )
    return [AuditEntry(**row_values(row)) for row in rows]
