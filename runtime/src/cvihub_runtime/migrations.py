"""Run a service's Alembic migrations from code, into its own PostgreSQL schema."""

from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from cvihub_runtime.db import is_sqlite


async def upgrade(engine: AsyncEngine, migrations_dir: Path, schema: str | None) -> None:
    """Bring the service's database to the newest revision."""
    if schema and not is_sqlite(str(engine.url)):
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_sync, migrations_dir, schema)


def _upgrade_sync(connection: Connection, migrations_dir: Path, schema: str | None) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["connection"] = connection
    config.attributes["schema"] = None if is_sqlite(str(connection.engine.url)) else schema
    command.upgrade(config, "head")


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
    )
    with context.begin_transaction():
        context.run_migrations()
