"""A database error names the statement, never the values bound to it (they may be PII)."""

from collections.abc import Callable

import pytest
from sqlalchemy import Column, MetaData, String, Table, text
from sqlalchemy.exc import IntegrityError

from cvihub_runtime.db import create_engine
from cvihub_testkit import TestDatabase

pytestmark = pytest.mark.integration

metadata = MetaData()
contacts = Table("contacts", metadata, Column("phone", String(32), primary_key=True))
PHONE = "+15551234567"


async def test_an_integrity_error_hides_the_bound_values(
    make_database: Callable[[str], TestDatabase],
) -> None:
    db = make_database("runtime")
    engine = create_engine(db.url, db.schema)
    try:
        async with engine.begin() as connection:
            if db.schema:
                await connection.execute(text(f'CREATE SCHEMA "{db.schema}"'))
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(contacts.insert().values(phone=PHONE))
        with pytest.raises(IntegrityError) as raised:
            async with engine.begin() as connection:
                await connection.execute(contacts.insert().values(phone=PHONE))
        message = str(raised.value)
        assert "INSERT INTO contacts" in message  # the statement, for the operator
        assert "hidden due to hide_parameters" in message
        assert PHONE not in message
    finally:
        await engine.dispose()
