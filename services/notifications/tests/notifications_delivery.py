"""Helpers of the delivery tests: a hub where police-1 publishes alerts and CVI orgs have a
webhook each on the test receiver, and the partner API calls the tests make."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from notifications_builders import make_alert
from notifications_hub import Hub, running_hub

from cvihub_contracts import GrantAction, Stream, new_event, partner_source, to_kafka
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import TestDatabase, produce
from cvihub_testkit.webhooks import WebhookReceiver

ALERTS = Stream.INCIDENT_ALERTS
SUBSCRIBE = (ALERTS, GrantAction.SUBSCRIBE)


@asynccontextmanager
async def hub_with(
    kafka: str, db: TestDatabase, receiver: WebhookReceiver, *partners: str, **settings: Any
) -> AsyncIterator[Hub]:
    """police-1 publishes; each of `partners` (a CVI org) has a webhook on the receiver."""
    async with running_hub(kafka, db, receiver, **settings) as hub:
        await hub.onboard("police-1", PartnerKind.POLICE, grants=[(ALERTS, GrantAction.PUBLISH)])
        for partner_id in partners:
            await hub.onboard(
                partner_id, PartnerKind.CVI_ORG, grants=[SUBSCRIBE], endpoints=[ALERTS]
            )
        yield hub


async def publish(hub: Hub, **alert: Any) -> str:
    """An alert from police-1 on the broker; its event id."""
    event = new_event(make_alert(**alert), source=partner_source("police-1"))
    await produce(hub.kafka, to_kafka(event))
    return event.envelope.id


async def deliveries(hub: Hub, partner_id: str, **params: Any) -> list[dict[str, Any]]:
    """The partner's deliveries as its API lists them."""
    answer = await hub.get("/v1/deliveries", partner_id, **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


async def post(hub: Hub, path: str, partner_id: str, **params: Any) -> httpx.Response:
    """POST as a partner (no body)."""
    headers = {"Authorization": f"Bearer {hub.keys[partner_id]}"}
    return await hub.client.post(path, headers=headers, params=params)


def endpoint_of(partner_id: str) -> str:
    """The partner's webhook subscription id (see Hub.onboard)."""
    return f"sub-{partner_id}-{ALERTS.value}"
