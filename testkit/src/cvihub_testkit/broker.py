"""A Kafka-protocol broker for tests, and producing and reading records the way services do.

Broker, in this order: an external cluster when KAFKA_BOOTSTRAP_SERVERS is set; Apache Kafka in
a testcontainer when CVIHUB_TEST_BROKER=testcontainers and a Docker engine answers; otherwise a
fresh embedded Tansu broker per test (memory storage, so tests cannot see each other's events;
it starts in about 50 ms)."""

import asyncio
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from cvihub_cli.embedded import (
    EMBEDDED_HEARTBEAT_INTERVAL_MS,
    EMBEDDED_SESSION_TIMEOUT_MS,
    free_port,
    start_tansu,
)
from cvihub_contracts import KafkaRecord
from cvihub_runtime.settings import ConsumerTuning

TEST_FETCH_MAX_WAIT_MS = 50
"""Low latency without every idle consumer of a test polling a hundred times a second."""


def uses_embedded_broker() -> bool:
    """Whether this run's tests start embedded brokers (no external cluster, no container)."""
    return not os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and not os.environ.get(
        "CVIHUB_TEST_BROKER"
    )


def consumer_tuning() -> ConsumerTuning:
    """Consumer settings for a subscriber a test builds itself (services read theirs from env)."""
    if not uses_embedded_broker():
        return ConsumerTuning()
    return ConsumerTuning(
        session_timeout_ms=EMBEDDED_SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=EMBEDDED_HEARTBEAT_INTERVAL_MS,
        fetch_max_wait_ms=TEST_FETCH_MAX_WAIT_MS,
    )


def docker_answers() -> bool:
    """Whether a Docker engine answers here (the client alone is not enough)."""
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0  # noqa: S607
    except (OSError, subprocess.TimeoutExpired):
        return False


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
        fetch_max_wait_ms=50,
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
