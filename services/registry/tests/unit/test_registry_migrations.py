"""The registry migrations build exactly the tables of its models (outbox and inbox included)."""

from pathlib import Path

from cvihub_registry.app import MIGRATIONS_DIR
from cvihub_registry.models import metadata
from cvihub_testkit.migrations import migration_drift


async def test_the_migrations_create_exactly_the_tables_of_the_models(tmp_path: Path) -> None:
    drift = await migration_drift(metadata, MIGRATIONS_DIR, tmp_path / "registry.db")
    assert drift == []
