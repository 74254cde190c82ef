"""Baselines measured in the same run: a bare Kafka round trip through the same broker."""

import asyncio
import json
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from cvihub_bench.schedule import open_loop
from cvihub_bench.tracker import Tracker


async def create_topic(bootstrap: str, topic: str) -> None:
    """Create a one-partition topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()


async def kafka_round_trip(
    producer: AIOKafkaProducer,
    *,
    bootstrap: str,
    rate: float,
    duration: float,
    fetch_max_wait_ms: int,
) -> dict[str, Any]:
    """Produce at the rate, consume in the same process: ms from send to receipt."""
    topic = f"bench.rtt.{uuid.uuid4().hex[:8]}"
    await create_topic(bootstrap, topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, fetch_max_wait_ms=fetch_max_wait_ms, enable_auto_commit=False
    )
    consumer.assign([TopicPartition(topic, 0)])
    await consumer.start()
    await consumer.seek_to_beginning()
    tracker = Tracker(expected_per_key=1)

    async def consume() -> None:
        async for record in consumer:
            key = json.loads(record.value)["key"]
            tracker.arrived([("kafka", key, time.monotonic())])

    reader = asyncio.create_task(consume())

    async def send(_: int) -> None:
        key = uuid.uuid4().hex
        tracker.sent(key, time.monotonic())
        await producer.send_and_wait(topic, json.dumps({"key": key}).encode())

    try:
        await open_loop(rate=rate, duration=duration, send=send)
        deadline = time.monotonic() + 10
        while tracker.outstanding and time.monotonic() < deadline:  # noqa: ASYNC110 - a deadline
            await asyncio.sleep(0.05)
    finally:
        reader.cancel()
        await consumer.stop()
    summary = tracker.summary()
    return {
        "rate": rate,
        "fetch_max_wait_ms": fetch_max_wait_ms,
        "sent": len(tracker.sent_at),
        "received": tracker.delivered,
        "latency_ms": summary.as_dict() if summary else None,
    }
