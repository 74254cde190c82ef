"""Rewrite a service's sealed data under the current key of its ring, so old keys can go.

    INTAKE_DATA_KEYS=new:…,old:… python -m cvihub_runtime.reencrypt intake [--check]

reads the service's own settings (INTAKE_DATABASE_URL, INTAKE_DATABASE_SCHEMA, INTAKE_DATA_KEYS)
and rewrites every outbox row not sealed with the current key (rows stored before payloads were
sealed too). It may run while the service runs: each batch locks its rows, so the relay waits.
With --check it only counts, and exits 1 while any row needs an older key or is plaintext."""

import argparse
import asyncio
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Table, select, update

from cvihub_runtime.db import SessionFactory, create_engine, key_ring_of, session_factory
from cvihub_runtime.secretbox import KeyRing, key_id_of
from cvihub_runtime.settings import ServiceSettings
from cvihub_runtime.tables import define_outbox

PLAINTEXT = "(plaintext)"


@dataclass
class KeyCensus:
    """How many rows each key sealed (PLAINTEXT: not sealed), and how many were rewritten."""

    before: Counter[str] = field(default_factory=Counter)
    rewritten: int = 0


async def reseal_column(
    sessions: SessionFactory,
    table: Table,
    key: ColumnElement[Any],
    value: ColumnElement[Any],
    *,
    check_only: bool = False,
    batch_size: int = 500,
) -> KeyCensus:
    """Reseal every value of one sealed column (bytes or text) under the ring's current key,
    walking the table by `key`; with check_only, just count. NULLs are left alone."""
    census = KeyCensus()
    last: Any = None
    while True:
        async with sessions() as session, session.begin():
            keys = key_ring_of(session)
            query = select(key, value).where(value.is_not(None)).order_by(key).limit(batch_size)
            if last is not None:
                query = query.where(key > last)
            rows = (await session.execute(query if check_only else query.with_for_update())).all()
            if not rows:
                return census
            for row_key, stored in rows:
                text = isinstance(stored, str)
                sealed = stored.encode() if text else bytes(stored)
                census.before[key_id_of(sealed) or PLAINTEXT] += 1
                resealed = None if check_only else keys.reseal(sealed)
                if resealed is not None:
                    fresh = resealed.decode() if text else resealed
                    # Only if it still holds what was read: a writer in between keeps its value.
                    done = await session.execute(
                        update(table)
                        .where(key == row_key, value == stored)
                        .values({value.key: fresh})
                    )
                    census.rewritten += int(getattr(done, "rowcount", 0) == 1)
            last = rows[-1][0]


async def reencrypt_outbox(
    sessions: SessionFactory, outbox: Table, *, check_only: bool = False, batch_size: int = 500
) -> KeyCensus:
    """Reseal every outbox payload under the ring's current key; with check_only, just count."""
    return await reseal_column(
        sessions, outbox, outbox.c.id, outbox.c.value, check_only=check_only, batch_size=batch_size
    )


async def reencrypt_database(
    url: str, schema: str | None, keys: KeyRing, *, check_only: bool = False
) -> KeyCensus:
    """Reseal (or, check_only, count) the outbox of the service database at this URL."""
    engine = create_engine(url, schema)
    try:
        return await reencrypt_outbox(
            session_factory(engine, keys), define_outbox(MetaData()), check_only=check_only
        )
    finally:
        await engine.dispose()


def describe(service: str, census: KeyCensus, keys: KeyRing, *, check_only: bool) -> list[str]:
    """What a run found and did, as lines to print (key ids and counts, never a key)."""
    before = ", ".join(f"{k}: {n}" for k, n in sorted(census.before.items())) or "no rows"
    lines = [f"{service} outbox, rows per key before: {before}"]
    if check_only:
        lines.append(f"{stale_rows(census, keys)} rows not under the current key {keys.current_id}")
    else:
        lines.append(f"rewrote {census.rewritten} rows; all now under key {keys.current_id}")
    return lines


def stale_rows(census: KeyCensus, keys: KeyRing) -> int:
    """Rows found under a key other than the current one (or plaintext)."""
    return sum(n for key_id, n in census.before.items() if key_id != keys.current_id)


async def _run(service: str, check_only: bool) -> int:
    settings = ServiceSettings(_env_prefix=f"{service.upper()}_")
    keys = settings.key_ring()
    census = await reencrypt_database(
        settings.database_url, settings.database_schema, keys, check_only=check_only
    )
    for line in describe(service, census, keys, check_only=check_only):
        print(line)
    return 1 if check_only and stale_rows(census, keys) else 0


def main(argv: list[str] | None = None) -> int:
    """Command line: the service whose database to rewrite, and --check to only count."""
    parser = argparse.ArgumentParser(prog="python -m cvihub_runtime.reencrypt", description=__doc__)
    parser.add_argument("service", help="the service's name, its settings' env prefix")
    parser.add_argument("--check", action="store_true", help="count only; exit 1 if stale rows")
    args = parser.parse_args(argv)
    return asyncio.run(_run(args.service, args.check))


if __name__ == "__main__":
    sys.exit(main())
