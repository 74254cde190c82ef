"""Fresh databases for tests: SQLite files, or one PostgreSQL schema per service, dropped after.

CVIHUB_TEST_DATABASE=postgresql picks PostgreSQL (CVIHUB_TEST_POSTGRES_URL, default
postgres@127.0.0.1:5432/test)."""

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def test_database_kind() -> str:
    """sqlite or postgresql, from CVIHUB_TEST_DATABASE."""
    kind = os.environ.get("CVIHUB_TEST_DATABASE", "sqlite")
    if kind not in {"sqlite", "postgresql"}:
        raise ValueError("CVIHUB_TEST_DATABASE is sqlite or postgresql")
    return kind


test_database_kind.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@dataclass(frozen=True)
class TestDatabase:
    """Where one service keeps its tables in this test."""

    __test__ = False  # a fixture value, not a test class

    url: str
    schema: str | None

    def env(self, prefix: str) -> dict[str, str]:
        """Environment variables that point a service (by env prefix) at this database."""
        values = {f"{prefix}DATABASE_URL": self.url}
        if self.schema:
            values[f"{prefix}DATABASE_SCHEMA"] = self.schema
        return values


@contextmanager
def databases_for_tests(base_dir: Path) -> Iterator[Callable[[str], TestDatabase]]:
    """A factory of fresh, empty databases, one per service, removed when the block ends."""
    kind = test_database_kind()
    schemas: list[str] = []
    postgres_url = os.environ.get("CVIHUB_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)

    def make(service: str) -> TestDatabase:
        if kind == "sqlite":
            return TestDatabase(url=f"sqlite+aiosqlite:///{base_dir / service}.db", schema=None)
        schema = f"t_{service}_{uuid.uuid4().hex[:10]}"
        schemas.append(schema)
        return TestDatabase(url=postgres_url, schema=schema)

    try:
        yield make
    finally:
        if schemas:

            async def drop() -> None:
                engine = create_async_engine(postgres_url)
                async with engine.begin() as connection:
                    for schema in schemas:
                        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                await engine.dispose()

            # A thread of its own: the test's event loop may still be set on this one.
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(asyncio.run, drop()).result()
