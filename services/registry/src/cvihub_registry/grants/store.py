"""Every query on grants."""

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Classification, GrantAction, Stream
from cvihub_registry.domain import Grant, RevocableStatus
from cvihub_registry.models import grants
from cvihub_registry.store import row_values


def _grant(row: Row[Any]) -> Grant:
    values = row_values(row)
    values["stream"] = Stream(values["stream"])
    values["action"] = GrantAction(values["action"])
    values["status"] = RevocableStatus(values["status"])
    if values["field_view"] is not None:
        values["field_view"] = [Classification(c) for c in values["field_view"]]
    return Grant(**values)


async def get_grant(session: AsyncSession, grant_id: str) -> Grant | None:
    """One grant by id."""
    row = (await session.execute(select(grants).where(grants.c.grant_id == grant_id))).first()
    return _grant(row) if row else None


async def active_grant(
    session: AsyncSession, *, partner_id: str, stream: Stream, action: GrantAction
) -> Grant | None:
    """The partner's active grant for a stream and action, if any."""
    row = (
        await session.execute(
            select(grants).where(
                grants.c.partner_id == partner_id,
                grants.c.stream == stream.value,
                grants.c.action == action.value,
                grants.c.status == RevocableStatus.ACTIVE.value,
            )
        )
    ).first()
    return _grant(row) if row else None


async def list_grants(session: AsyncSession, *, partner_id: str | None = None) -> list[Grant]:
    """Grants, oldest first, optionally of one partner."""
    query = select(grants).order_by(grants.c.created_at, grants.c.grant_id)
    if partner_id is not None:
        query = query.where(grants.c.partner_id == partner_id)
    return [_grant(row) for row in await session.execute(query)]
