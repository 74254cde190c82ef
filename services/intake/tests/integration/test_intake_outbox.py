"""The outbox keeps an accepted submission until the broker takes it."""

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from intake_builders import make_alert

from cvihub_contracts import KafkaRecord, to_kafka, topics
from cvihub_intake import models, service, store
from cvihub_intake.app import MIGRATIONS_DIR
from cvihub_intake.models import SubmissionKind
from cvihub_runtime.db import create_engine, session_factory, transaction
from cvihub_runtime.kafka import make_broker, publish_records
from cvihub_runtime.migrations import upgrade
from cvihub_runtime.outbox import OutboxRelay
from cvihub_testkit import TestDatabase, consume_until, test_key_ring

pytestmark = pytest.mark.integration


async def _broker_down(records: Sequence[KafkaRecord]) -> None:
    raise ConnectionError("broker unreachable")


async def test_intake_submission_staged_during_outage_is_published_afterwards(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    database = make_database("intake")
    engine = create_engine(database.url, database.schema)
    sessions = session_factory(engine, test_key_ring())
    await upgrade(engine, MIGRATIONS_DIR, database.schema)
    broker = make_broker(kafka_bootstrap, client_id="intake-test")
    try:
        # Staged as the acceptance path stages it (its checks are tested elsewhere).
        now = datetime.now(UTC)
        event = service.build_alert_event(
            submission=make_alert(), partner_id="metro-police", now=now
        )
        event_id = event.envelope.id
        async with transaction(sessions) as session:
            await store.stage_submission(
                session,
                record=to_kafka(event),
                event_id=event_id,
                partner_id="metro-police",
                kind=SubmissionKind.INCIDENT_ALERT,
                accepted_at=now,
            )

        with pytest.raises(ConnectionError):
            await OutboxRelay(sessions, models.outbox, _broker_down).relay_once()
        pending = await service.find_own_submission(
            sessions=sessions, partner_id="metro-police", event_id=event_id
        )
        assert pending is not None
        assert pending.published is False

        await broker.start()
        relay = OutboxRelay(sessions, models.outbox, functools.partial(publish_records, broker))
        assert await relay.relay_once() == 1
        assert await relay.relay_once() == 0

        [record] = await consume_until(
            kafka_bootstrap,
            topics.INCIDENT_ALERTS,
            lambda r: dict(r.headers).get("ce_id") == event_id.encode(),
        )
        assert record.key == f"metro-police/{event.data.source_incident_id}".encode()
        published = await service.find_own_submission(
            sessions=sessions, partner_id="metro-police", event_id=event_id
        )
        assert published is not None
        assert published.published is True
    finally:
        await broker.stop()
        await engine.dispose()
