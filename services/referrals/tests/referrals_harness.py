"""Runs the referrals service against a test broker and database, its partners known."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from referrals_builders import CVI_ORG, HOSPITAL, OTHER_ORG, auth, make_settings, standard_partners

from cvihub_referrals.app import create_app
from cvihub_testkit import TestDatabase, eventually, produce, running


@asynccontextmanager
async def referrals_hub(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> AsyncIterator[httpx.AsyncClient]:
    """The running service, its partners known and authenticating; yields an HTTP client."""
    db = make_database("referrals")
    app = create_app(make_settings(kafka_bootstrap, db.url, db.schema))
    await produce(kafka_bootstrap, *standard_partners())
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):

        async def all_keys_work() -> bool:
            for partner in (HOSPITAL, CVI_ORG, OTHER_ORG):
                response = await client.get("/v1/referrals", headers=auth(partner))
                if response.status_code != 200:
                    return False
            return True

        await eventually(all_keys_work, timeout=30)
        yield client


async def caught_up(bootstrap: str, group_id: str, topic: str) -> bool:
    """Whether the consumer group has committed every record of the topic so far."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer.topics()
            partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        ends = await consumer.end_offsets(assigned)
        for partition in assigned:
            committed = await consumer.committed(partition)
            if ends[partition] > (committed or 0):
                return False
        return bool(assigned)
    finally:
        await consumer.stop()
