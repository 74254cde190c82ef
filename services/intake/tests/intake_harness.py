"""A running intake app and the questions integration tests ask of it."""

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from intake_builders import TestPartner
from sqlalchemy import func, select

from cvihub_intake import models, store
from cvihub_runtime.testing import eventually, produce


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
        """How many records the outbox holds, published or not."""
        async with self.app.state.hosting.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(models.outbox)) or 0)

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
