"""Raw dumps of a test database, to prove what is (not) stored in plaintext at rest."""

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from cvihub_testkit.databases import TestDatabase


async def dump_database(database: TestDatabase) -> bytes:
    """Every byte the database keeps: a SQLite file with its journal, or every row of a
    PostgreSQL schema as text (bytea as hex; `plaintext_in` looks for both forms)."""
    if database.schema is None:
        path = Path(str(make_url(database.url).database))
        files = [path, *(path.with_name(path.name + s) for s in ("-wal", "-journal"))]
        return b"".join(f.read_bytes() for f in files if f.exists())
    engine = create_async_engine(database.url)
    try:
        async with engine.connect() as connection:
            tables = (
                await connection.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"
                    ),
                    {"s": database.schema},
                )
            ).scalars()
            lines: list[str] = []
            for table in list(tables):
                rows = await connection.execute(
                    # Names from information_schema and the test's own schema, not from input.
                    text(f'SELECT t::text FROM "{database.schema}"."{table}" t')  # noqa: S608
                )
                lines.extend(f"{table}: {row}" for row in rows.scalars())
    finally:
        await engine.dispose()
    return "\n".join(lines).encode()


def plaintext_in(dump: bytes, needles: list[str]) -> list[str]:
    """The needles found in the dump as UTF-8 or as hex (how PostgreSQL prints bytea)."""
    lowered = dump.lower()
    return [
        needle
        for needle in needles
        if needle.encode() in dump or needle.encode().hex().encode() in lowered
    ]
