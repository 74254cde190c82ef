"""The outbox relay and the idempotent consumer, against a real broker and database."""

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, select

from cvihub_contracts import Event, KafkaRecord, new_event, service_source, to_kafka, topics
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.examples import incident_alert
from cvihub_runtime.db import create_engine, session_factory, transaction
from cvihub_runtime.inbox import EventConsumer, define_inbox
from cvihub_runtime.kafka import make_broker, publish_records, subscribe
from cvihub_runtime.outbox import OutboxRelay, add_to_outbox, define_outbox
from cvihub_testkit import (
    TestDatabase,
    consume_until,
    consumer_tuning,
    eventually,
    produce,
    test_key_ring,
)

pytestmark = pytest.mark.integration

metadata = MetaData()
outbox = define_outbox(metadata)
inbox = define_inbox(metadata)
applied = Table("applied", metadata, Column("event_id", String(64), primary_key=True))


@pytest.fixture
async def sessions(make_database: Callable[[str], TestDatabase]) -> AsyncIterator[Any]:
    db = make_database("runtime")
    engine = create_engine(db.url, db.schema)
    if db.schema:
        from sqlalchemy import text

        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{db.schema}"'))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield session_factory(engine, test_key_ring())
    await engine.dispose()


def _alert_record(incident: str) -> KafkaRecord:
    data = incident_alert().model_copy(update={"source_incident_id": incident})
    return to_kafka(new_event(data, source=service_source("test")))


async def test_relay_publishes_everything_once_marks_it_and_survives_a_failed_send(
    kafka_bootstrap: str, sessions: Any
) -> None:
    records = [_alert_record(f"CAD-{n}") for n in range(5)]
    async with transaction(sessions) as session:
        for record in records:
            await add_to_outbox(session, outbox, record)

    async def broken(_: Sequence[KafkaRecord]) -> None:
        raise ConnectionError("broker unreachable")

    with pytest.raises(ConnectionError):
        await OutboxRelay(sessions, outbox, broken).relay_once()
    async with sessions() as session:
        unsent = await session.scalar(select(func.count()).where(outbox.c.published_at.is_(None)))
    assert unsent == 5

    broker = make_broker(kafka_bootstrap, client_id="test")
    await broker.start()
    try:
        relay = OutboxRelay(sessions, outbox, functools.partial(publish_records, broker))
        assert await relay.relay_once() == 5
        assert await relay.relay_once() == 0
    finally:
        await broker.stop()

    ids = {r.headers["ce_id"] for r in records}
    found = await consume_until(
        kafka_bootstrap, topics.INCIDENT_ALERTS, lambda r: dict(r.headers)["ce_id"] in ids, count=5
    )
    # Keys differ, so partitions differ: order holds per key, not across keys.
    assert sorted(dict(r.headers)["ce_id"] for r in found) == sorted(ids)


async def test_consumer_applies_a_duplicate_once_and_dead_letters_garbage(
    kafka_bootstrap: str, sessions: Any
) -> None:
    calls: list[str] = []
    fail_first = {"left": 1}

    async def apply(session: Any, event: Event[Any]) -> None:
        calls.append(event.envelope.id)
        if fail_first["left"]:
            fail_first["left"] -= 1
            raise RuntimeError("database hiccup")
        await session.execute(applied.insert().values(event_id=event.envelope.id))

    broker = make_broker(kafka_bootstrap, client_id="test")
    consumer = EventConsumer(
        name="test",
        sessions=sessions,
        inbox=inbox,
        broker=broker,
        handlers={IncidentAlertV2: apply},  # the newest major: v1 records are upcast,
        retry_pause_seconds=0.05,
    )

    subscribe(
        broker,
        consumer,
        topics.INCIDENT_ALERTS,
        group_id="test",
        tuning=consumer_tuning(),
    )

    good = _alert_record("CAD-1")
    # Claims to be JSON and is not: must be dead-lettered, not retried forever.
    garbage = KafkaRecord(
        topic=topics.INCIDENT_ALERTS,
        key=b"k",
        headers={**good.headers, "ce_id": b"garbage-1"},
        value=b"{not json",
    )
    await produce(kafka_bootstrap, good, garbage, good)
    await broker.start()
    try:

        async def applied_ids() -> list[str]:
            async with sessions() as session:
                return list((await session.scalars(select(applied.c.event_id))).all())

        await eventually(applied_ids)
        dead = await consume_until(kafka_bootstrap, topics.DEAD_LETTERS, lambda r: True)
        await asyncio.sleep(0.5)  # let the duplicate arrive and be skipped
        assert await applied_ids() == [good.headers["ce_id"].decode()]
    finally:
        await broker.stop()

    # failed once, retried once, duplicate skipped before the handler
    assert calls == [good.headers["ce_id"].decode()] * 2
    reason = dict(dead[0].headers)["x-dead-letter-reason"].decode()
    assert "data is not a JSON object" in reason
    assert dict(dead[0].headers)["x-original-topic"].decode() == topics.INCIDENT_ALERTS


def _consumer_record(record: KafkaRecord, offset: int) -> Any:
    from aiokafka import ConsumerRecord

    return ConsumerRecord(
        topic=record.topic,
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=record.key,
        value=record.value,
        checksum=None,
        serialized_key_size=len(record.key or b""),
        serialized_value_size=len(record.value),
        headers=list(record.headers.items()),
    )


async def test_a_batch_lands_in_one_transaction_and_a_refused_event_is_dead_lettered_alone(
    kafka_bootstrap: str, sessions: Any
) -> None:
    from cvihub_contracts import ContractViolation

    seen_sessions: list[int] = []
    refused = _alert_record("CAD-refused")
    refused_id = refused.headers["ce_id"].decode()

    async def apply(session: Any, event: Event[Any]) -> None:
        seen_sessions.append(id(session))
        if event.envelope.id == refused_id:
            raise ContractViolation("occurred_at: more than 300 s in the future")
        await session.execute(applied.insert().values(event_id=event.envelope.id))

    broker = make_broker(kafka_bootstrap, client_id="test")
    consumer = EventConsumer(
        name="batch",
        sessions=sessions,
        inbox=inbox,
        broker=broker,
        handlers={IncidentAlertV2: apply},
    )
    first = [_alert_record(f"CAD-{n}") for n in range(3)]
    await broker.start()
    try:
        await consumer.handle([_consumer_record(r, n) for n, r in enumerate([*first, first[0]])])
        # Three fresh events (the repeat skipped) in one transaction: one session for all.
        assert len(seen_sessions) == 3 and len(set(seen_sessions)) == 1
        seen_sessions.clear()
        second = [_alert_record("CAD-a"), refused, _alert_record("CAD-b")]
        await consumer.handle([_consumer_record(r, 10 + n) for n, r in enumerate(second)])
        dead = await consume_until(
            kafka_bootstrap,
            topics.DEAD_LETTERS,
            lambda r: dict(r.headers).get("ce_id") == refused.headers["ce_id"],
        )
    finally:
        await broker.stop()
    async with sessions() as session:
        stored = set((await session.scalars(select(applied.c.event_id))).all())
        processed = await session.scalar(
            select(func.count()).select_from(inbox).where(inbox.c.consumer == "batch")
        )
    expected = {r.headers["ce_id"].decode() for r in [*first, second[0], second[2]]}
    assert stored == expected  # the refused event's neighbours landed, nothing twice
    assert processed == 5
    # Tried whole until the refusal (2 calls, rolled back), then event by event (3 more).
    assert len(seen_sessions) == 5
    assert "in the future" in dict(dead[-1].headers)["x-dead-letter-reason"].decode()
