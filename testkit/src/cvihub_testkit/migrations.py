"""Whether a service's migrations build exactly the tables its models declare."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from cvihub_runtime.db import create_engine
from cvihub_runtime.migrations import upgrade


async def migration_drift(
    metadata: MetaData, migrations_dir: Path, database: Path, *, shared: Sequence[Path] = ()
) -> list[Any]:
    """Alembic's differences between the migrated SQLite `database` and `metadata` ([] = none)."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await upgrade(engine, migrations_dir, None, shared=shared)
        async with engine.connect() as connection:
            return list(
                await connection.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
                )
            )
    finally:
        await engine.dispose()
