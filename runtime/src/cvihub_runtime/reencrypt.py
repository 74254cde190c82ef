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

import structlog
from sqlalchemy import ColumnElement, LargeBinary, MetaData, Table, select, update

from cvihub_runtime.db import SessionFactory, create_engine, key_ring_of, session_factory
from cvihub_runtime.sealed import sealed_columns
from cvihub_runtime.secretbox import SEALED_PREFIX, KeyRing, key_id_of
from cvihub_runtime.settings import ServiceSettings
from cvihub_runtime.tables import define_outbox

PLAINTEXT = "(plaintext)"

log = structlog.get_logger(__name__)


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


async def reencrypt_sealed_columns(
    sessions: SessionFactory,
    metadata: MetaData,
    *,
    check_only: bool = False,
    plaintext_only: bool = False,
    batch_size: int = 500,
) -> dict[str, KeyCensus]:
    """Reseal (or, check_only, count) every column the metadata marks sealed, the outbox's
    included, by `table.column`. plaintext_only seals what is not sealed yet and leaves
    values under an older key (a start-up step, cheap where nothing is left)."""
    results: dict[str, KeyCensus] = {}
    for table, column in sealed_columns(metadata):
        key = table.primary_key.columns.values()[0]
        value: ColumnElement[Any] = column
        if plaintext_only:
            # The outbox (bytes) was sealed from its first row: only text columns can hold
            # values from before they were sealed.
            if not isinstance(column.type, LargeBinary):
                results[f"{table.name}.{column.name}"] = await _seal_plaintext(
                    sessions, table, key, column, batch_size=batch_size
                )
            continue
        results[f"{table.name}.{column.name}"] = await reseal_column(
            sessions, table, key, value, check_only=check_only, batch_size=batch_size
        )
    return results


async def seal_rows_from_before(sessions: SessionFactory, metadata: MetaData) -> None:
    """A start-up step: seal what a marked column still holds in plaintext (rows stored before
    the column was sealed, e.g. the registry copy's endpoints); one query per column when none
    are left. Values under an older key wait for the re-encrypt command."""
    results = await reencrypt_sealed_columns(sessions, metadata, plaintext_only=True)
    sealed = {column: census.rewritten for column, census in results.items() if census.rewritten}
    if sealed:
        log.info("sealed rows from before", columns=sealed)


async def _seal_plaintext(
    sessions: SessionFactory,
    table: Table,
    key: ColumnElement[Any],
    column: ColumnElement[Any],
    *,
    batch_size: int,
) -> KeyCensus:
    # Only values that do not start as a sealed value does: after the first run, one query
    # per column that finds nothing.
    prefix = SEALED_PREFIX.decode()
    census = KeyCensus()
    while True:
        async with sessions() as session, session.begin():
            keys = key_ring_of(session)
            rows = (
                await session.execute(
                    select(key, column)
                    .where(column.is_not(None), ~column.startswith(prefix))
                    .limit(batch_size)
                    .with_for_update()
                )
            ).all()
            for row_key, stored in rows:
                await session.execute(
                    update(table)
                    .where(key == row_key, column == stored)
                    .values({column.key: keys.seal(stored.encode()).decode()})
                )
                census.before[PLAINTEXT] += 1
                census.rewritten += 1
        if len(rows) < batch_size:
            return census


async def reencrypt_database(
    url: str,
    schema: str | None,
    keys: KeyRing,
    *,
    check_only: bool = False,
    metadata: MetaData | None = None,
) -> KeyCensus:
    """Reseal (or, check_only, count) the service database at this URL: every sealed column
    of the service's metadata, or without one its outbox; one census over all of them."""
    engine = create_engine(url, schema)
    sessions = session_factory(engine, keys)
    try:
        if metadata is None:
            return await reencrypt_outbox(
                sessions, define_outbox(MetaData()), check_only=check_only
            )
        total = KeyCensus()
        for census in (
            await reencrypt_sealed_columns(sessions, metadata, check_only=check_only)
        ).values():
            total.before.update(census.before)
            total.rewritten += census.rewritten
        return total
    finally:
        await engine.dispose()


def describe(
    service: str, census: KeyCensus, keys: KeyRing, *, check_only: bool, what: str = "outbox"
) -> list[str]:
    """What a run found and did, as lines to print (key ids and counts, never a key)."""
    before = ", ".join(f"{k}: {n}" for k, n in sorted(census.before.items())) or "no rows"
    lines = [f"{service} {what}, rows per key before: {before}"]
    if check_only:
        lines.append(f"{stale_rows(census, keys)} rows not under the current key {keys.current_id}")
    else:
        lines.append(f"rewrote {census.rewritten} rows; all now under key {keys.current_id}")
    return lines


def stale_rows(census: KeyCensus, keys: KeyRing) -> int:
    """Rows found under a key other than the current one (or plaintext)."""
    return sum(n for key_id, n in census.before.items() if key_id != keys.current_id)


async def _run(service: str, check_only: bool, metadata: MetaData | None) -> int:
    settings = ServiceSettings(_env_prefix=f"{service.upper()}_")
    keys = settings.key_ring()
    census = await reencrypt_database(
        settings.database_url,
        settings.database_schema,
        keys,
        check_only=check_only,
        metadata=metadata,
    )
    what = "outbox" if metadata is None else "sealed values"
    for line in describe(service, census, keys, check_only=check_only, what=what):
        print(line)
    return 1 if check_only and stale_rows(census, keys) else 0


def main(argv: list[str] | None = None, metadata: MetaData | None = None) -> int:
    """Command line: the service whose database to rewrite, and --check to only count. A
    service whose tables have sealed columns runs it with its metadata
    (`python -m cvihub_registry.reencrypt`), so every marked column is covered."""
    parser = argparse.ArgumentParser(prog="python -m cvihub_runtime.reencrypt", description=__doc__)
    parser.add_argument("service", help="the service's name, its settings' env prefix")
    parser.add_argument("--check", action="store_true", help="count only; exit 1 if stale rows")
    args = parser.parse_args(argv)
    return asyncio.run(_run(args.service, args.check, metadata))


if __name__ == "__main__":
    sys.exit(main())
