"""A running intake app and the questions integration tests ask of it."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from intake_builders import TestPartner
from sqlalchemy import func, select

from cvihub_contracts import Event, from_kafka, topics
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_intake import models, store
from cvihub_intake.app import create_app
from cvihub_intake.settings import IntakeSettings
from cvihub_testkit import TestDatabase, eventually, produce, running


@dataclass(frozen=True)
class IntakeHarness:
    """The running app, a client for it and the broker it talks to."""

    app: FastAPI
    client: httpx.AsyncClient
    bootstrap: str

    async def announce(self, *partners: TestPartner, recipients: tuple[str, ...] = ()) -> None:
        """Publish registry records and wait until every key and recipient is in the copy."""
        await produce(self.bootstrap, *(r for p in partners for r in p.records))
        for partner in partners:
            await eventually(lambda p=partner: self.authenticates(p), timeout=20)
        for recipient in recipients:
            await eventually(lambda r=recipient: self.knows_partner(r), timeout=20)

    async def authenticates(self, partner: TestPartner) -> bool:
        """Whether intake accepts the partner's key right now."""
        response = await self.client.get("/v1/submissions/none", headers=partner.auth)
        return response.status_code != 401

    async def knows_partner(self, partner_id: str) -> bool:
        """Whether the registry copy holds the partner as active."""
        async with self.app.state.hosting.sessions() as session:
            return await store.is_active_partner(session, partner_id)

    async def outbox_count(self) -> int:
        """How many submissions the outbox holds, published or not (refusal audits aside)."""
        async with self.app.state.hosting.sessions() as session:
            query = select(func.count()).select_from(models.outbox)
            query = query.where(models.outbox.c.topic != topics.AUDIT)
            return int(await session.scalar(query) or 0)

    async def all_published(self) -> bool:
        """Whether the relay has published every record of the outbox."""
        async with self.app.state.hosting.sessions() as session:
            query = select(func.count()).select_from(models.outbox)
            query = query.where(models.outbox.c.published_at.is_(None))
            return not await session.scalar(query)

    async def audit_events(self, *, seconds: float = 1.0) -> list[Event[AccessRefusedV1]]:
        """The refusals intake published on the audit topic (stored ones flushed first)."""
        await self.app.state.refusals.flush()
        self.app.state.relay.wake()
        await eventually(self.all_published, timeout=10)
        events = []
        for record in await self.records_on(topics.AUDIT, seconds=seconds):
            headers = {name: value for name, value in record.headers}
            event = from_kafka(headers, record.key, record.value)
            assert isinstance(event.data, AccessRefusedV1)
            events.append(event)
        return events

    async def records_on(
        self, topic: str, *, seconds: float = 1.0
    ) -> list[ConsumerRecord[Any, Any]]:
        """Every record on a topic, read from the start for a while (no group: no join delay)."""
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        found: list[ConsumerRecord[Any, Any]] = []
        try:
            deadline = asyncio.get_running_loop().time() + seconds
            while asyncio.get_running_loop().time() < deadline:
                batches = await consumer.getmany(timeout_ms=200)
                for records in batches.values():
                    found.extend(records)
        finally:
            await consumer.stop()
        return found


MakeIntake = Callable[..., AbstractAsyncContextManager[IntakeHarness]]
"""Starts intake with some settings changed (the `make_intake` fixture)."""


@asynccontextmanager
async def intake_with(
    kafka_bootstrap: str, database: TestDatabase, data_keys: str
) -> AsyncIterator[IntakeHarness]:
    """Intake running on this database with this key ring."""
    settings = IntakeSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database.url,
        database_schema=database.schema,
        data_keys=data_keys,  # type: ignore[arg-type]
        log_json=False,
    )
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield IntakeHarness(app=app, client=client, bootstrap=kafka_bootstrap)


async def upload(
    intake: IntakeHarness,
    partner: TestPartner,
    body: bytes,
    *,
    content_type: str = "text/csv",
    **params: str,
) -> dict[str, Any]:
    """Upload a file and wait for its job to finish; the finished job."""
    posted = await intake.client.post(
        "/v1/uploads",
        content=body,
        params=params,
        headers={**partner.auth, "Content-Type": content_type},
    )
    assert posted.status_code == 202, posted.text
    location = posted.headers["Location"]
    job: dict[str, Any] = {}

    async def finished() -> bool:
        nonlocal job
        job = (await intake.client.get(location, headers=partner.auth)).json()
        return job["status"] not in ("queued", "running")

    await eventually(finished, timeout=30)
    return job
