"""The notifications service running for an integration test, with a registry to set up."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from notifications_builders import credential, grant, partner, subscription
from sqlalchemy import func, select

from cvihub_contracts import GrantAction, KafkaRecord, Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_notifications.app import create_app
from cvihub_notifications.models import deliveries, inbox
from cvihub_notifications.settings import NotificationsSettings
from cvihub_runtime.secretbox import SecretBox, new_fernet_key, new_webhook_secret
from cvihub_testkit import TestDatabase, eventually, produce, running
from cvihub_testkit.webhooks import WebhookReceiver


@dataclass
class Hub:
    """The running service, its HTTP client, and the partners a test onboarded."""

    app: FastAPI
    client: httpx.AsyncClient
    kafka: str
    box: SecretBox
    receiver: WebhookReceiver
    secrets: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    async def onboard(
        self,
        partner_id: str,
        kind: PartnerKind,
        *,
        grants: Sequence[tuple[Stream, GrantAction]] = (),
        endpoints: Sequence[Stream] = (),
        contact_email: str | None = None,
    ) -> None:
        """Register a partner with grants, an API key and webhook endpoints on the receiver."""
        self.secrets[partner_id] = new_webhook_secret()
        record, self.keys[partner_id] = credential(partner_id)
        records = [partner(partner_id, kind, contact_email=contact_email), record]
        records += [grant(partner_id, stream, action) for stream, action in grants]
        url = self.receiver.url(f"/hooks/{partner_id}")
        records += [
            subscription(partner_id, s, url=url, secret=self.secrets[partner_id], box=self.box)
            for s in endpoints
        ]
        await self.produce_applied(*records)

    async def processed(self) -> int:
        """How many events the service has applied."""
        async with self.app.state.hosting.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(inbox)) or 0)

    async def stored_bodies(self) -> list[str]:
        """The body column of every delivery, as stored."""
        async with self.app.state.hosting.sessions() as session:
            return list(await session.scalars(select(deliveries.c.body)))

    async def produce_applied(self, *records: KafkaRecord) -> None:
        """Produce records and wait until the service has applied every one."""
        expected = await self.processed() + len(records)
        await produce(self.kafka, *records)

        async def caught_up() -> bool:
            return await self.processed() >= expected

        await eventually(caught_up)

    async def get(self, path: str, partner_id: str, **params: Any) -> httpx.Response:
        """GET as a partner."""
        headers = {"Authorization": f"Bearer {self.keys[partner_id]}"}
        return await self.client.get(path, headers=headers, params=params)


@asynccontextmanager
async def running_hub(
    kafka: str, db: TestDatabase, receiver: WebhookReceiver, **settings: Any
) -> AsyncIterator[Hub]:
    """Run the service against this broker and database; no partners yet."""
    key = new_fernet_key()
    # An endpoint failing on purpose must not sit behind an open breaker for the default 30 s.
    settings.setdefault("breaker_cooldown_seconds", 0.5)
    # The test receivers listen on http://127.0.0.1 (the egress rules' development setting).
    settings.setdefault("webhook_allow_insecure_loopback", True)
    app = create_app(
        NotificationsSettings(
            kafka_bootstrap_servers=kafka,
            database_url=db.url,
            database_schema=db.schema,
            log_json=False,
            secret_key=key,
            **settings,
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        running(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield Hub(app=app, client=client, kafka=kafka, box=SecretBox(key), receiver=receiver)
