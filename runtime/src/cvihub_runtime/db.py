"""Async SQLAlchemy engines: one SQLite file or one PostgreSQL schema per service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from cvihub_runtime.secretbox import KeyRing

SessionFactory = async_sessionmaker[AsyncSession]
# Where a session carries its service's data key ring (Session.info), so what stores sealed
# values (the outbox) finds the keys of the database it writes to, one ring per service.
_KEY_RING = "cvihub.data_keys"


def is_sqlite(url: str) -> bool:
    """Whether the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    schema: str | None = None,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout_seconds: float = 5.0,
) -> AsyncEngine:
    """An engine whose connections see only this service's tables.

    A request waits at most `pool_timeout_seconds` for a connection, then is shed with a 503
    (see problems.py): under load the hub answers late or not at all, never with a 500."""
    connect_args: dict[str, Any] = {}
    pool: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "pool_timeout": pool_timeout_seconds,
    }
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # one shared in-memory database: SQLAlchemy's StaticPool, no sizes
        connect_args["timeout"] = 30
    elif schema:
        connect_args["server_settings"] = {"search_path": schema}
    # hide_parameters: a database error's message (and so its logged traceback) names the
    # statement but not the bound values, which may be an address, a number or patient data.
    engine = create_async_engine(
        url,
        connect_args=connect_args,
        pool_pre_ping=True,
        hide_parameters=True,
        **pool,
    )
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a subscriber writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: AsyncEngine, keys: KeyRing | None = None) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit, carrying the data key ring."""
    return async_sessionmaker(
        engine, expire_on_commit=False, info={_KEY_RING: keys} if keys else None
    )


def bind_key_ring(sessions: SessionFactory, keys: KeyRing) -> None:
    """Give sessions made without one (tests, one-off tools) the data key ring."""
    sessions.configure(info={_KEY_RING: keys})


def key_ring_of(session: AsyncSession) -> KeyRing:
    """The data key ring of the session's service; RuntimeError if its factory was given none."""
    keys = session.info.get(_KEY_RING)
    if not isinstance(keys, KeyRing):
        raise RuntimeError("these sessions carry no data key ring: session_factory(engine, keys)")
    return keys


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with sessions() as session, session.begin():
        yield session
