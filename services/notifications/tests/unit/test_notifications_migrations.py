"""The notifications migrations build exactly the tables of its models (outbox included)."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cvihub_notifications.app import MIGRATIONS_DIR
from cvihub_notifications.models import metadata
from cvihub_runtime.db import create_engine
from cvihub_runtime.migrations import upgrade


async def test_the_migrations_create_exactly_the_tables_of_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}")
    try:
        await upgrade(engine, MIGRATIONS_DIR, None)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []
