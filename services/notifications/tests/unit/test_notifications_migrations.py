"""The notifications migrations, with the registry copy's branch, build its models' tables."""

from pathlib import Path

from cvihub_notifications.app import MIGRATIONS_DIR
from cvihub_notifications.models import metadata
from cvihub_registry_copy import MIGRATIONS as registry_copy_migrations
from cvihub_testkit.migrations import migration_drift


async def test_the_migrations_create_exactly_the_tables_of_the_models(tmp_path: Path) -> None:
    drift = await migration_drift(
        metadata, MIGRATIONS_DIR, tmp_path / "notifications.db", shared=[registry_copy_migrations]
    )
    assert drift == []
