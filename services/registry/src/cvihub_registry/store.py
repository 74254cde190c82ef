"""What every store shares: rows as values, storing entities, the change sequence, the outbox."""

import dataclasses
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Row, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import KafkaRecord
from cvihub_registry.domain import Credential, Grant, Partner, Subscription
from cvihub_registry.models import (
    change_sequence,
    consents,
    credentials,
    grants,
    outbox,
    partners,
    subscriptions,
)
from cvihub_runtime.outbox import add_to_outbox
from cvihub_runtime.sealed import seal_values

E = TypeVar("E", Partner, Credential, Grant, Subscription)

_SEQUENCE_ROW = 1


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything the registry stores is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _column_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_column_value(item) for item in value]
    if isinstance(value, BaseModel):  # a service area: its GeoJSON
        return value.model_dump(mode="json")
    return value.value if isinstance(value, Enum) else value


def row_values(row: Row[Any]) -> dict[str, Any]:
    """A row's values, its datetimes made UTC-aware (SQLite hands them back naive)."""
    values = dict(row._mapping)
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = _aware(value)
    return values


_TABLES: dict[type[Any], Table] = {
    Partner: partners,
    Credential: credentials,
    Grant: grants,
    Subscription: subscriptions,
}


async def next_sequence(session: AsyncSession) -> int:
    """Bump the global change counter and return the new value (locks until commit)."""
    value = await session.scalar(
        update(change_sequence)
        .where(change_sequence.c.id == _SEQUENCE_ROW)
        .values(value=change_sequence.c.value + 1)
        .returning(change_sequence.c.value)
    )
    if value is None:
        # The migration seeds the row; this only guards a database set up some other way.
        await session.execute(change_sequence.insert().values(id=_SEQUENCE_ROW, value=1))
        return 1
    return int(value)


async def insert(session: AsyncSession, entity: E) -> E:
    """Store a new entity."""
    table = _TABLES[type(entity)]
    values = {name: _column_value(v) for name, v in dataclasses.asdict(entity).items()}
    await session.execute(table.insert().values(seal_values(session, table, values)))
    return entity


async def save(session: AsyncSession, entity: E, **changes: Any) -> E:
    """Store changed fields of an entity and return the changed entity."""
    changed = dataclasses.replace(entity, **changes)
    table = _TABLES[type(entity)]
    key = table.primary_key.columns.values()[0]
    await session.execute(
        update(table)
        .where(key == getattr(entity, key.name))
        .values(seal_values(session, table, {n: _column_value(v) for n, v in changes.items()}))
    )
    return changed


async def enqueue(session: AsyncSession, record: KafkaRecord) -> None:
    """Put an event in the outbox, in the caller's transaction."""
    await add_to_outbox(session, outbox, record)


async def newest_published_state(session: AsyncSession) -> int:
    """The newest sequence among the entities every registry copy holds (partners, keys,
    grants, subscriptions, consents); copies have caught up when they report at least this."""
    newest = 0
    for table in (partners, credentials, grants, subscriptions, consents):
        value = await session.scalar(select(func.max(table.c.sequence)))
        newest = max(newest, int(value or 0))
    return newest
