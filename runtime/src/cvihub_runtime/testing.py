"""Pytest fixtures and helpers for tests against a real broker and a real database.

Loaded by the root conftest.py; imported by tests only, never by a service at run time.

Broker, in this order: an external cluster when KAFKA_BOOTSTRAP_SERVERS is set; Apache Kafka in
a testcontainer when CVIHUB_TEST_BROKER=testcontainers and a Docker engine answers; otherwise a
fresh embedded Tansu broker per test (memory storage, so tests cannot see each other's events).

Database: SQLite files in the test's tmp dir, or PostgreSQL when CVIHUB_TEST_DATABASE=postgresql
(CVIHUB_TEST_POSTGRES_URL, default postgres@127.0.0.1:5432/test), one fresh schema per service
per test, dropped afterwards.
"""

import asyncio
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from cvihub_contracts import KafkaRecord
from cvihub_runtime.embedded import free_port, start_tansu

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def test_database_kind() -> str:
    """sqlite or postgresql, from CVIHUB_TEST_DATABASE."""
    kind = os.environ.get("CVIHUB_TEST_DATABASE", "sqlite")
    if kind not in {"sqlite", "postgresql"}:
        raise ValueError("CVIHUB_TEST_DATABASE is sqlite or postgresql")
    return kind


def _docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0  # noqa: S607
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def _external_kafka() -> Iterator[str | None]:
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield servers
    elif os.environ.get("CVIHUB_TEST_BROKER") == "testcontainers":
        if not _docker_answers():
            pytest.fail("CVIHUB_TEST_BROKER=testcontainers but no Docker engine answers")
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
    else:
        yield None


@contextmanager
def broker_for_tests(external: str | None, log_dir: Path) -> Iterator[str]:
    """The external cluster if there is one, else a fresh embedded broker while the block runs."""
    if external is not None:
        yield external
        return
    port = free_port()
    process = start_tansu(port, log_file=log_dir / "tansu.log")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def kafka_bootstrap(_external_kafka: str | None, tmp_path: Path) -> Iterator[str]:
    """host:port of a Kafka-protocol broker for this test."""
    with broker_for_tests(_external_kafka, tmp_path) as bootstrap:
        yield bootstrap


@dataclass(frozen=True)
class TestDatabase:
    """Where one service keeps its tables in this test."""

    __test__ = False  # a fixture value, not a test class

    url: str
    schema: str | None

    def env(self, prefix: str) -> dict[str, str]:
        """Environment variables that point a service (by env prefix) at this database."""
        values = {f"{prefix}DATABASE_URL": self.url}
        if self.schema:
            values[f"{prefix}DATABASE_SCHEMA"] = self.schema
        return values


@contextmanager
def databases_for_tests(base_dir: Path) -> Iterator[Callable[[str], TestDatabase]]:
    """A factory of fresh, empty databases, one per service, removed when the block ends."""
    kind = test_database_kind()
    schemas: list[str] = []
    postgres_url = os.environ.get("CVIHUB_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)

    def make(service: str) -> TestDatabase:
        if kind == "sqlite":
            return TestDatabase(url=f"sqlite+aiosqlite:///{base_dir / service}.db", schema=None)
        schema = f"t_{service}_{uuid.uuid4().hex[:10]}"
        schemas.append(schema)
        return TestDatabase(url=postgres_url, schema=schema)

    try:
        yield make
    finally:
        if schemas:

            async def drop() -> None:
                engine = create_async_engine(postgres_url)
                async with engine.begin() as connection:
                    for schema in schemas:
                        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                await engine.dispose()

            # A thread of its own: the test's event loop may still be set on this one.
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(asyncio.run, drop()).result()


@pytest.fixture
def make_database(tmp_path: Path) -> Iterator[Callable[[str], TestDatabase]]:
    """A factory: make_database("intake") gives a fresh, empty database for that service."""
    with databases_for_tests(tmp_path) as make:
        yield make


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """Run a FastAPI app's lifespan (migrations, broker, loops) around a block."""
    async with app.router.lifespan_context(app):
        yield app


async def produce(bootstrap: str, *records: KafkaRecord) -> None:
    """Publish contract records the way a service would (acks=all)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        for record in records:
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, headers=list(record.headers.items())
            )
    finally:
        await producer.stop()


async def consume_until(
    bootstrap: str,
    topic: str,
    predicate: Callable[[ConsumerRecord[Any, Any]], bool],
    *,
    count: int = 1,
    timeout: float = 20.0,
) -> list[ConsumerRecord[Any, Any]]:
    """Read a topic from the start until `count` records match, or fail after `timeout`."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,  # no group: every partition at once, without a slow group join
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[ConsumerRecord[Any, Any]] = []
    try:
        async with asyncio.timeout(timeout):
            while len(found) < count:
                batches = await consumer.getmany(timeout_ms=200)
                for records in batches.values():
                    found.extend(r for r in records if predicate(r))
    except TimeoutError:
        pytest.fail(f"{len(found)} of {count} matching records on {topic} after {timeout}s")
    finally:
        await consumer.stop()
    return found


async def eventually(
    check: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.1
) -> Any:
    """Await `check()` until it returns something truthy; fail with its last value."""
    last: Any = None
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    pytest.fail(f"condition not met after {timeout}s; last value: {last!r}")
