"""Group commit against a real database: callers share transactions, a failure stays its own."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, event, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_runtime.db import SessionFactory, create_engine, session_factory
from cvihub_runtime.group_commit import GroupCommit
from cvihub_testkit import TestDatabase

pytestmark = pytest.mark.integration

metadata = MetaData()
rows = Table("rows", metadata, Column("n", Integer, primary_key=True))


@pytest.fixture
async def sessions(make_database: Callable[[str], TestDatabase]) -> AsyncIterator[SessionFactory]:
    db = make_database("runtime")
    engine = create_engine(db.url, db.schema)
    async with engine.begin() as connection:
        if db.schema:
            await connection.execute(text(f'CREATE SCHEMA "{db.schema}"'))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


async def _stored(sessions: SessionFactory) -> list[int]:
    async with sessions() as session:
        return sorted((await session.scalars(select(rows.c.n))).all())


async def test_callers_share_a_transaction_and_each_gets_its_result(
    sessions: SessionFactory,
) -> None:
    commits = GroupCommit(sessions)
    transactions: list[object] = []
    event.listen(sessions.kw["bind"].sync_engine, "commit", transactions.append)

    def insert(n: int) -> Callable[[AsyncSession], Any]:
        async def work(session: AsyncSession) -> int:
            await session.execute(rows.insert().values(n=n))
            return n * 10

        return work

    results = await asyncio.gather(*(commits.run(insert(n)) for n in range(20)))
    assert results == [n * 10 for n in range(20)]
    assert await _stored(sessions) == list(range(20))
    # All queued before the flush began: one transaction for the twenty.
    assert len(transactions) == 1


async def test_a_failing_caller_gets_its_error_and_the_others_still_land(
    sessions: SessionFactory,
) -> None:
    commits = GroupCommit(sessions)

    def insert(n: int) -> Callable[[AsyncSession], Any]:
        async def work(session: AsyncSession) -> None:
            await session.execute(rows.insert().values(n=n))
            if n == 3:
                raise RuntimeError("refused")

        return work

    outcomes = await asyncio.gather(
        *(commits.run(insert(n)) for n in range(6)), return_exceptions=True
    )
    assert [type(o).__name__ for o in outcomes] == ["NoneType"] * 3 + ["RuntimeError"] + [
        "NoneType"
    ] * 2
    assert await _stored(sessions) == [0, 1, 2, 4, 5]  # nothing of the failed work, nothing twice
