"""Every query on partners."""

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts.geo import ServiceArea
from cvihub_contracts.registry.changes_v1 import PartnerKind, PartnerRateLimit
from cvihub_registry.domain import Partner, PartnerStatus
from cvihub_registry.models import partners
from cvihub_registry.store import row_values
from cvihub_runtime.sealed import open_values

# Stored areas were checked before they were written: reading them back checks only structure.
_SERVICE_AREA: TypeAdapter[Any] = TypeAdapter(ServiceArea)


def _partner(session: AsyncSession, row: Row[Any]) -> Partner:
    values = open_values(session, partners, row_values(row))
    values["kind"] = PartnerKind(values["kind"])
    values["status"] = PartnerStatus(values["status"])
    if values["service_area"] is not None:
        values["service_area"] = _SERVICE_AREA.validate_python(values["service_area"])
    if values["rate_limit"] is not None:
        values["rate_limit"] = PartnerRateLimit.model_validate(values["rate_limit"])
    return Partner(**values)


async def get_partner(session: AsyncSession, partner_id: str) -> Partner | None:
    """One partner by id."""
    row = (
        await session.execute(select(partners).where(partners.c.partner_id == partner_id))
    ).first()
    return _partner(session, row) if row else None


async def list_partners(
    session: AsyncSession, *, status: PartnerStatus | None = None
) -> list[Partner]:
    """Partners by id, optionally only those with a status."""
    query = select(partners).order_by(partners.c.partner_id)
    if status is not None:
        query = query.where(partners.c.status == status.value)
    return [_partner(session, row) for row in await session.execute(query)]
