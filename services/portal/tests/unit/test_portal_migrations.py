"""The portal's migrations build exactly its models' tables."""

from pathlib import Path

from cvihub_portal.app import MIGRATIONS_DIR
from cvihub_portal.models import metadata
from cvihub_testkit.migrations import migration_drift


async def test_the_migrations_create_exactly_the_tables_of_the_models(tmp_path: Path) -> None:
    assert await migration_drift(metadata, MIGRATIONS_DIR, tmp_path / "portal.db") == []
