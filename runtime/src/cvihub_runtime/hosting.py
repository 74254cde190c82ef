"""Start and stop one service's database, broker and background loops as a unit."""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy import text

from cvihub_runtime.db import create_engine, session_factory
from cvihub_runtime.kafka import RecordHandler, make_broker, subscribe
from cvihub_runtime.logs import configure_logging
from cvihub_runtime.migrations import upgrade
from cvihub_runtime.settings import ServiceSettings

log = structlog.get_logger(__name__)

Loop = Callable[[], Coroutine[Any, Any, None]]


class Hosting:
    """The infrastructure of one service process; the app's composition root owns one."""

    def __init__(
        self,
        *,
        name: str,
        settings: ServiceSettings,
        migrations_dir: Path,
        shared_migrations: Sequence[Path] = (),
    ) -> None:
        self.name = name
        self.settings = settings
        self.migrations_dir = migrations_dir
        # Version folders of libraries whose tables live in this service's database too (an
        # Alembic branch each, e.g. the registry copy's).
        self.shared_migrations = tuple(shared_migrations)
        self.engine = create_engine(
            settings.database_url,
            settings.database_schema,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_pool_overflow,
            pool_timeout_seconds=settings.database_pool_timeout_seconds,
        )
        self.sessions = session_factory(self.engine, settings.key_ring())
        self.broker: KafkaBroker = make_broker(settings.kafka_bootstrap_servers, client_id=name)
        self.group_id = settings.consumer_group or name
        self._loops: list[Loop] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._on_start: list[Loop] = []

    def subscribe(self, handle: RecordHandler, *topic_names: str) -> None:
        """Hand each record of these topics to `handle`, in this service's consumer group."""
        subscribe(
            self.broker,
            handle,
            *topic_names,
            group_id=self.group_id,
            tuning=self.settings.consumer_tuning(),
        )

    def add_loop(self, loop: Loop) -> None:
        """Run this coroutine for as long as the service runs (outbox relay, delivery worker)."""
        self._loops.append(loop)

    def on_start(self, step: Loop) -> None:
        """Run this once after migrations and before the broker starts consuming."""
        self._on_start.append(step)

    @asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        """FastAPI lifespan: migrate, start the broker and loops; stop all in reverse."""
        configure_logging(self.name, level=self.settings.log_level, json=self.settings.log_json)
        await upgrade(
            self.engine,
            self.migrations_dir,
            self.settings.database_schema,
            shared=self.shared_migrations,
        )
        for step in self._on_start:
            await step()
        await self.broker.start()
        self._tasks = [asyncio.create_task(loop(), name=loop.__name__) for loop in self._loops]
        log.info("service started", kafka=self.settings.kafka_bootstrap_servers)
        try:
            yield
        finally:
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                _, stuck = await asyncio.wait(self._tasks, timeout=10)
                for task in stuck:
                    log.error("background loop did not stop", loop=task.get_name())
            await self.broker.stop()
            await self.engine.dispose()
            log.info("service stopped")

    async def health(self) -> dict[str, str]:
        """Whether the database answers and the broker is connected."""
        checks: dict[str, str] = {}
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # a health check reports, it does not raise
            checks["database"] = f"error: {type(exc).__name__}"
        checks["broker"] = "ok" if self.broker.running else "stopped"
        return checks
