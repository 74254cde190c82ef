"""`python -m cvihub_referrals.reencrypt [--check]`: seal every stored referral payload, note
and registry-copy endpoint, and the outbox, under the current key of REFERRALS_DATA_KEYS.

Run after a key rotation (a new key put first in REFERRALS_DATA_KEYS, the old one kept after
it) and after upgrading from plaintext rows; then the old key can be dropped. With --check it
only counts, and exits 1 while a value needs an older key or is plaintext.
Safe to run twice and while the service runs: each row is rewritten only if it is
not already sealed under the current key, and only if it still holds the value read.
"""

import sys
from dataclasses import dataclass

from sqlalchemy import Table

from cvihub_referrals.models import metadata, outbox
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.reencrypt import main, reseal_column
from cvihub_runtime.sealed import sealed_columns

SEALED_COLUMNS: tuple[tuple[Table, str, str], ...] = tuple(
    (table, table.primary_key.columns.values()[0].name, column.name)
    for table, column in sealed_columns(metadata)
    if table is not outbox
)
"""Every sealed column of the service but the outbox (models.py marks them): table, primary
key, column."""


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


if __name__ == "__main__":
    sys.exit(main(["referrals", *sys.argv[1:]], metadata))
