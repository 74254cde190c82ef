"""Small typed builders of audit log test data: chained entries and a migrated database."""

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from alembic import command
from alembic.config import Config
from registry_builders import T0
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from cvihub_registry.app import MIGRATIONS_DIR
from cvihub_registry.audit.chain import GENESIS_HASH, AuditHead, entry_hash
from cvihub_registry.domain import AuditEntry
from cvihub_runtime.db import SessionFactory, create_engine, is_sqlite, session_factory
from cvihub_testkit import TestDatabase, test_key_ring


def make_audit_entry(*, prev: AuditEntry | None = None, **overrides: Any) -> AuditEntry:
    """An entry chained after `prev` (or first), with a hash that matches its fields."""
    values: dict[str, Any] = {
        "id": prev.id + 1 if prev else 1,
        "at": (prev.at if prev else T0) + timedelta(seconds=1),
        "actor": "admin",
        "action": "partner.created",
        "entity_id": "mercy-hospital",
        "detail": {"kind": "hospital"},
        "prev_hash": prev.entry_hash if prev else GENESIS_HASH,
    }
    values.update(overrides)
    values["entry_hash"] = entry_hash(**values)
    return AuditEntry(**values)


def make_chain(length: int) -> list[AuditEntry]:
    """`length` correctly chained entries with ids 1..length and distinct details."""
    entries: list[AuditEntry] = []
    for index in range(length):
        prev = entries[-1] if entries else None
        entries.append(make_audit_entry(prev=prev, detail={"n": index, "kind": "hospital"}))
    return entries


def head_of(entries: list[AuditEntry]) -> AuditHead:
    """The head the registry would hold after appending these entries."""
    return AuditHead(last_id=entries[-1].id, last_hash=entries[-1].entry_hash)


def edited(entry: AuditEntry, **changes: Any) -> AuditEntry:
    """The entry with fields changed but its stored hashes left as they were (tampering)."""
    return dataclasses.replace(entry, **changes)


@asynccontextmanager
async def migrated(db: TestDatabase, revision: str = "head") -> AsyncIterator[SessionFactory]:
    """Sessions on the registry's database migrated to `revision` (no broker, no app)."""
    engine = create_engine(db.url, db.schema)
    try:
        await migrate(db, revision, engine=engine)
        yield session_factory(engine, test_key_ring())
    finally:
        await engine.dispose()


async def migrate(db: TestDatabase, revision: str, *, engine: AsyncEngine) -> None:
    """Upgrade the registry's database to a revision (the runtime only goes to head)."""
    schema = None if is_sqlite(db.url) else db.schema
    if schema:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))

    def upgrade(connection: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        config.attributes["schema"] = schema
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)
