"""Sealed columns: marked columns are sealed on the way in and opened on the way out; others,
and rows from before sealing, pass as they are."""

from sqlalchemy import Column, LargeBinary, MetaData, String, Table, Text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from cvihub_runtime.db import session_factory
from cvihub_runtime.sealed import SEALED, open_values, seal_values, sealed_columns
from cvihub_runtime.secretbox import KeyRing, key_id_of, new_fernet_key
from cvihub_runtime.tables import define_outbox

metadata = MetaData()
people = Table(
    "people",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("name", Text, info=SEALED),
    Column("role", String(32)),
)
define_outbox(metadata)
RING = KeyRing([("k1", new_fernet_key())])


def _session() -> AsyncSession:
    return session_factory(create_async_engine("sqlite+aiosqlite://"), RING)()


def test_marked_columns_are_sealed_and_open_again_and_the_rest_pass() -> None:
    session = _session()
    stored = seal_values(session, people, {"person_id": "p1", "name": "Ada Byron", "role": "x"})
    assert key_id_of(stored["name"].encode()) == "k1"
    assert (stored["person_id"], stored["role"]) == ("p1", "x")
    assert open_values(session, people, stored)["name"] == "Ada Byron"


def test_a_value_from_before_sealing_reads_as_it_is() -> None:
    assert open_values(_session(), people, {"name": "Ada Byron"}) == {"name": "Ada Byron"}


def test_the_outbox_payload_is_a_sealed_column_of_every_service() -> None:
    found = {(t.name, c.name, type(c.type)) for t, c in sealed_columns(metadata)}
    assert found == {("people", "name", Text), ("outbox", "value", LargeBinary)}
