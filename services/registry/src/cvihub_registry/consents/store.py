"""Queries on consent records; rows go in and come out as `Consent` values."""

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts.registry.consent_v1 import ConsentScope
from cvihub_registry.consents.domain import Consent
from cvihub_registry.domain import RevocableStatus
from cvihub_registry.models import consents
from cvihub_runtime.sealed import open_values, seal_values


def _aware(value: Any) -> Any:
    # SQLite hands back naive datetimes; everything the registry stores is UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _consent(session: AsyncSession, row: Row[Any]) -> Consent:
    values = {name: _aware(value) for name, value in row._mapping.items()}
    values = open_values(session, consents, values)
    values["scope"] = [ConsentScope(word) for word in values["scope"]]
    values["status"] = RevocableStatus(values["status"])
    return Consent(**values)


def _columns(session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
    stored = seal_values(session, consents, values)
    if "scope" in stored:
        stored["scope"] = [word.value for word in stored["scope"]]
    if "status" in stored:
        stored["status"] = stored["status"].value
    return stored


async def insert_consent(session: AsyncSession, consent: Consent) -> Consent:
    """Store a new consent record."""
    await session.execute(consents.insert().values(_columns(session, dataclasses.asdict(consent))))
    return consent


async def save_consent(session: AsyncSession, consent: Consent, **changes: Any) -> Consent:
    """Store changed fields of a consent record and return the changed record."""
    await session.execute(
        update(consents)
        .where(consents.c.consent_id == consent.consent_id)
        .values(_columns(session, changes))
    )
    return dataclasses.replace(consent, **changes)


async def get_consent(session: AsyncSession, consent_id: str) -> Consent | None:
    """One consent record by id."""
    row = (
        await session.execute(select(consents).where(consents.c.consent_id == consent_id))
    ).first()
    return _consent(session, row) if row else None


async def list_consents(
    session: AsyncSession, *, custodian_partner_id: str | None = None
) -> list[Consent]:
    """Consent records, oldest first, optionally of one custodian."""
    query = select(consents).order_by(consents.c.created_at, consents.c.consent_id)
    if custodian_partner_id is not None:
        query = query.where(consents.c.custodian_partner_id == custodian_partner_id)
    return [_consent(session, row) for row in await session.execute(query)]
