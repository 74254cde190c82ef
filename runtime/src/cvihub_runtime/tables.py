"""Table plumbing every service shares: its metadata, the UTC time column, the outbox and inbox.

No framework imports here, so a service's models and core can use them."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)
from sqlalchemy.types import TypeDecorator

from cvihub_runtime.sealed import SEALED

# Named constraints keep migrations portable (SQLite batch mode needs names to drop them).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """The metadata of one service's tables, with the hub's constraint names."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, stored in UTC and always read back timezone-aware.

    PostgreSQL keeps `timestamptz`; SQLite keeps text without a zone and hands back naive values.
    Writing a naive datetime is a bug (whose clock was it?), so it is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored; give it a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A datetime read from outside the tables (a raw SQL row, say) as timezone-aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def define_outbox(metadata: MetaData) -> Table:
    """The outbox table, in the service's own metadata."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", LargeBinary, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("value", LargeBinary, nullable=False, info=SEALED),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime(), nullable=True, index=True),
    )


def define_inbox(metadata: MetaData) -> Table:
    """The table of events this service has already applied."""
    return Table(
        "processed_events",
        metadata,
        Column("consumer", String(64), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
