"""`python -m cvihub_referrals.reencrypt`: seal every stored referral payload and note under the
current key of REFERRALS_DATA_KEYS.

Run after a key rotation (a new key put first in REFERRALS_DATA_KEYS, the old one kept after
it) and after upgrading from plaintext rows; then the old key can be dropped. The outbox has
its own: `python -m cvihub_runtime.reencrypt referrals`.
Safe to run twice and while the service runs: each row is rewritten only if it is
not already sealed under the current key, and only if it still holds the value read.
"""

import asyncio
import sys
from dataclasses import dataclass

from sqlalchemy import Column, Table, select, update

from cvihub_referrals.models import activities, referrals, status_history
from cvihub_referrals.sealing import seal_with, unseal_with
from cvihub_referrals.settings import ReferralsSettings
from cvihub_runtime.db import SessionFactory, create_engine, session_factory, transaction
from cvihub_runtime.secretbox import KeyRing, key_id_of

SEALED_COLUMNS: tuple[tuple[Table, str, str], ...] = (
    (referrals, "referral_id", "payload"),
    (status_history, "id", "note"),
    (activities, "id", "note"),
)
"""Every sealed column of the service: table, primary key, column."""


@dataclass(frozen=True)
class Resealed:
    """How many values of one column were looked at and how many were sealed anew."""

    column: str
    seen: int
    resealed: int


def _stale(ring: KeyRing, stored: str) -> bool:
    return key_id_of(stored.encode()) != ring.current_id


async def reencrypt(
    sessions: SessionFactory, ring: KeyRing, *, batch_size: int = 500
) -> list[Resealed]:
    """Seal every stored value of SEALED_COLUMNS under the ring's current key."""
    results = []
    for table, key_name, column_name in SEALED_COLUMNS:
        key: Column[object] = table.c[key_name]
        column: Column[object] = table.c[column_name]
        seen = resealed = 0
        after: object = None
        while True:
            query = select(key, column).where(column.is_not(None)).order_by(key).limit(batch_size)
            if after is not None:
                query = query.where(key > after)
            async with transaction(sessions) as session:
                rows = (await session.execute(query)).all()
                for row_key, stored in rows:
                    seen += 1
                    if not _stale(ring, str(stored)):
                        continue
                    fresh = seal_with(ring, unseal_with(ring, str(stored)))
                    done = await session.execute(
                        update(table)
                        .where(key == row_key, column == stored)
                        .values({column_name: fresh})
                    )
                    resealed += int(getattr(done, "rowcount", 0) == 1)
            if len(rows) < batch_size:
                break
            after = rows[-1][0]
        results.append(Resealed(f"{table.name}.{column_name}", seen, resealed))
    return results


async def _main() -> int:
    settings = ReferralsSettings()
    engine = create_engine(settings.database_url, settings.database_schema)
    try:
        ring = settings.key_ring()
        for result in await reencrypt(session_factory(engine, ring), ring):
            print(f"{result.column}: {result.resealed} of {result.seen} sealed anew")
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
