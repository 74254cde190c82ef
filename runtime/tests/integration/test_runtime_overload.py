"""A request that finds no free database connection in time is shed with 503 and Retry-After."""

from collections.abc import Callable
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_runtime.db import create_engine, session_factory
from cvihub_runtime.problems import PROBLEM_JSON, install_problem_handlers
from cvihub_runtime.web import session_dependency
from cvihub_testkit import TestDatabase

pytestmark = pytest.mark.integration


async def test_an_exhausted_pool_sheds_with_503_not_500(
    make_database: Callable[[str], TestDatabase],
) -> None:
    db = make_database("overload")
    engine = create_engine(db.url, db.schema, pool_size=1, max_overflow=0, pool_timeout_seconds=0.2)
    sessions = session_factory(engine)
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/count")
    async def count(
        session: Annotated[AsyncSession, Depends(session_dependency(sessions))],
    ) -> int:
        return int(await session.scalar(text("SELECT 1")) or 0)

    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/count")).status_code == 200
            async with engine.connect() as held:  # the only connection, held
                await held.execute(text("SELECT 1"))
                shed = await client.get("/count")
            after = await client.get("/count")
    finally:
        await engine.dispose()
    assert shed.status_code == 503
    assert shed.headers["retry-after"] == "1"
    assert shed.headers["content-type"].startswith(PROBLEM_JSON)
    assert shed.json()["type"].endswith("/overloaded")
    assert after.status_code == 200
