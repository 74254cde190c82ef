"""Run a service's Alembic migrations from code, into its own PostgreSQL schema.

A service's own revisions live in `<service>/migrations/versions`; a library whose tables live
in every consuming service's database (the registry copy) ships its revisions as an Alembic
branch of its own, and each service applies it beside its own: `upgrade` runs every head."""

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.util import CommandError
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from cvihub_runtime.db import is_sqlite
from cvihub_runtime.tables import UtcDateTime


class UnknownRevision(RuntimeError):
    """The database names a revision this build does not have."""


async def upgrade(
    engine: AsyncEngine,
    migrations_dir: Path,
    schema: str | None,
    *,
    shared: Sequence[Path] = (),
) -> None:
    """Bring the service's database to the newest revision of every branch it applies."""
    if schema and not is_sqlite(str(engine.url)):
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_sync, migrations_dir, schema, tuple(shared))


def alembic_config(migrations_dir: Path, shared: Sequence[Path] = ()) -> Config:
    """The Alembic configuration of a service: its scripts and every branch it applies."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    locations = [migrations_dir / "versions", *shared]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", ":".join(str(path) for path in locations))
    return config


def _upgrade_sync(
    connection: Connection, migrations_dir: Path, schema: str | None, shared: tuple[Path, ...]
) -> None:
    config = alembic_config(migrations_dir, shared)
    config.attributes["connection"] = connection
    config.attributes["schema"] = None if is_sqlite(str(connection.engine.url)) else schema
    try:
        command.upgrade(config, "heads")
    except CommandError as exc:
        if "Can't locate revision" not in str(exc):
            raise
        raise UnknownRevision(
            f"{exc}. This database was made by a build whose migrations this one does not have "
            "(an older development build, before migrations were folded into one baseline, or "
            "a newer one); start from a new database (./hub up --fresh for the embedded hub)."
        ) from exc


def _render_item(type_: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations are frozen snapshots: they spell column types out in SQLAlchemy's own terms
    # instead of importing the runtime's type, which may change after they were written.
    if type_ == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(context: EnvironmentContext | ModuleType, target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py: migrate on the connection we were given."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through cvihub_runtime.migrations.upgrade")
    schema = context.config.attributes.get("schema")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table_schema=schema,
        render_as_batch=is_sqlite(str(connection.engine.url)),
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
