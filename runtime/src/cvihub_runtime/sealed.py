"""Text columns sealed at rest under the service's data key ring.

A column is marked `Column(..., info=SEALED)`; the store passes the values it writes through
`seal_values` and the rows it reads through `open_values`. The key ring comes with the session
(`db.session_factory(engine, keys)`), so the code that writes does not handle keys. A stored
value that is not sealed is a row from before the column was sealed: it reads as it is until
the re-encrypt command (`python -m cvihub_runtime.reencrypt <service>`, which finds every
marked column through `sealed_columns`) seals it."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_runtime.db import key_ring_of
from cvihub_runtime.secretbox import KeyRing, key_id_of

SEALED: dict[str, Any] = {"sealed": True}
"""The `info` of a sealed column."""


def is_sealed_column(column: Column[Any]) -> bool:
    """Whether the column is marked sealed."""
    return bool(column.info.get("sealed"))


def sealed_columns(metadata: MetaData) -> list[tuple[Table, Column[Any]]]:
    """Every sealed column of the metadata's tables, with its table (a one-column primary key)."""
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if is_sealed_column(column)
    ]


def seal_text(keys: KeyRing, plaintext: str) -> str:
    """The stored form of a text."""
    return keys.seal(plaintext.encode()).decode()


def open_text(keys: KeyRing, stored: str) -> str:
    """The plaintext of a stored text (a plaintext row from before sealing reads as it is)."""
    raw = stored.encode()
    return keys.open(raw).decode() if key_id_of(raw) is not None else stored


def _sealed_texts(table: Table, values: Mapping[str, Any]) -> list[str]:
    return [
        name
        for name, value in values.items()
        if isinstance(value, str) and name in table.c and is_sealed_column(table.c[name])
    ]


def seal_values(session: AsyncSession, table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values to write, each text of a sealed column of the table sealed (the session's
    key ring is only needed when there is one)."""
    sealed = dict(values)
    names = _sealed_texts(table, values)
    if names:
        keys = key_ring_of(session)
        sealed.update({name: seal_text(keys, values[name]) for name in names})
    return sealed


def open_values(session: AsyncSession, table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values read, each text of a sealed column of the table opened."""
    opened = dict(values)
    names = _sealed_texts(table, values)
    if names:
        keys = key_ring_of(session)
        opened.update({name: open_text(keys, values[name]) for name in names})
    return opened
