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

from sqlalchemy import Table

from cvihub_referrals.models import activities, referrals, status_history
from cvihub_referrals.settings import ReferralsSettings
from cvihub_runtime.db import SessionFactory, create_engine, session_factory
from cvihub_runtime.reencrypt import reseal_column

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


async def reencrypt(sessions: SessionFactory, *, batch_size: int = 500) -> list[Resealed]:
    """Seal every stored value of SEALED_COLUMNS under the current key of the sessions' ring."""
    results = []
    for table, key_name, column_name in SEALED_COLUMNS:
        census = await reseal_column(
            sessions, table, table.c[key_name], table.c[column_name], batch_size=batch_size
        )
        seen = sum(census.before.values())
        results.append(Resealed(f"{table.name}.{column_name}", seen, census.rewritten))
    return results


async def _main() -> int:
    settings = ReferralsSettings()
    engine = create_engine(settings.database_url, settings.database_schema)
    try:
        ring = settings.key_ring()
        for result in await reencrypt(session_factory(engine, ring)):
            print(f"{result.column}: {result.resealed} of {result.seen} sealed anew")
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
