"""Tables the runtime keeps in every service's own metadata; no framework imports here,
so a service's models and core can use them."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)


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
        Column("value", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True, index=True),
    )


def define_inbox(metadata: MetaData) -> Table:
    """The table of events this service has already applied."""
    return Table(
        "processed_events",
        metadata,
        Column("consumer", String(64), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
