"""The live inbox stream (Server-Sent Events): what each event carries, resuming with
Last-Event-ID without duplicates, and another partner's id refused like an unknown one."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from notifications_builders import make_alert, subscription
from notifications_hub import Hub, running_hub
from sqlalchemy import select

from cvihub_contracts import (
    GrantAction,
    Stream,
    from_kafka,
    new_event,
    partner_source,
    to_kafka,
    topics,
)
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind
from cvihub_notifications.models import outbox
from cvihub_testkit import TestDatabase, eventually, produce, test_key_ring
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

ALERTS = Stream.INCIDENT_ALERTS


@asynccontextmanager
async def inbox_hub(kafka: str, db: TestDatabase, receiver: WebhookReceiver) -> AsyncIterator[Hub]:
    """police-1 publishes; cvi-1 and cvi-2 each have an inbox subscription."""
    async with running_hub(kafka, db, receiver) as hub:
        await hub.onboard("police-1", PartnerKind.POLICE, grants=[(ALERTS, GrantAction.PUBLISH)])
        for partner_id in ("cvi-1", "cvi-2"):
            await hub.onboard(
                partner_id, PartnerKind.CVI_ORG, grants=[(ALERTS, GrantAction.SUBSCRIBE)]
            )
            await hub.produce_applied(
                subscription(
                    partner_id,
                    ALERTS,
                    url="cvihub:inbox",
                    secret="",
                    box=hub.box,
                    channel=Channel.INBOX,
                    subscription_id=f"inbox-{partner_id}",
                )
            )
        yield hub


async def publish(hub: Hub, count: int) -> None:
    """`count` alerts from police-1 on the broker."""
    for n in range(count):
        event = new_event(
            make_alert(source_incident_id=f"CAD-{n}"), source=partner_source("police-1")
        )
        await produce(hub.kafka, to_kafka(event))


async def inbox_ids(hub: Hub, partner_id: str) -> list[str]:
    """The partner's inbox item ids, oldest first."""
    items = (await hub.get("/v1/inbox", partner_id)).json()["items"]
    return [item["item_id"] for item in reversed(items)]


def parse(text: str) -> list[dict[str, str]]:
    """The events of a Server-Sent Events body (comments left out)."""
    events = []
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
        if fields:
            events.append(fields)
    return events


async def stream(hub: Hub, partner_id: str, **params: Any) -> httpx.Response:
    """GET /v1/stream as a partner; it ends after max_events."""
    headers = {"Authorization": f"Bearer {hub.keys[partner_id]}"}
    if "last_event" in params:
        headers["Last-Event-ID"] = params.pop("last_event")
    return await hub.client.get("/v1/stream", headers=headers, params=params)


async def test_stream_resumes_after_last_event_id_in_order_without_duplicates(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with inbox_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await publish(h, 3)
        ids = await eventually(lambda: _three(h))

        answer = await stream(h, "cvi-1", last_event=ids[0], max_events=2)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        events = parse(answer.text)
        assert [e["id"] for e in events] == ids[1:]  # after the one named, in order, once
        for event in events:
            item = (await h.get(f"/v1/inbox/{event['id']}", "cvi-1")).json()
            assert event["event"] == "org.cvihub.incident-alert.published"
            assert json.loads(event["data"]) == item  # the same redacted JSON as the inbox
            assert "weapon_type" not in item["event"]["data"]
        # The query parameter works as the header does (EventSource cannot set headers).
        again = parse((await stream(h, "cvi-1", last_event_id=ids[1], max_events=1)).text)
        assert [e["id"] for e in again] == ids[2:]


async def _three(hub: Hub) -> list[str] | None:
    ids = await inbox_ids(hub, "cvi-1")
    return ids if len(ids) == 3 else None


async def test_a_new_stream_carries_only_items_that_arrive_after_it_opened(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with inbox_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await publish(h, 1)
        [old] = await eventually(lambda: inbox_ids(h, "cvi-1"))
        listening = asyncio.create_task(stream(h, "cvi-1", max_events=1))

        async def heard() -> bool:
            # Publish until the stream (open by now, or soon) carries one: no guess of when.
            if not listening.done():
                await publish(h, 1)
                await asyncio.wait({listening}, timeout=1.0)
            return listening.done()

        await eventually(heard, timeout=30)
        [event] = parse(listening.result().text)
        later = (await inbox_ids(h, "cvi-1"))[1:]
        assert event["id"] != old  # what was there before it opened is not replayed
        assert event["id"] in later


async def test_another_partners_item_as_last_event_id_is_refused_like_an_unknown_one(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with inbox_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await publish(h, 1)
        [theirs] = await eventually(lambda: inbox_ids(h, "cvi-2"))
        refused = await stream(h, "cvi-1", last_event=theirs, max_events=1)
        unknown = await stream(h, "cvi-1", last_event="no-such-item", max_events=1)
        assert refused.status_code == unknown.status_code == 400
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json() | {"instance": None} == unknown.json() | {"instance": None}

        async def audited() -> list[AccessRefusedV1]:
            query = select(outbox.c.headers, outbox.c.key, outbox.c.value)
            async with h.app.state.hosting.sessions() as session:
                rows = (await session.execute(query.where(outbox.c.topic == topics.AUDIT))).all()
            found = []
            for row in rows:
                headers = {name: value.encode() for name, value in row.headers.items()}
                value = test_key_ring().open(bytes(row.value))
                data = from_kafka(headers, row.key, value).data
                if isinstance(data, AccessRefusedV1) and data.partner_id == "cvi-1":
                    found.append(data)
            return found

        [refusal] = await eventually(audited)
        assert (refusal.resource, refusal.status_code) == (theirs, 400)
        assert (await h.client.get("/v1/stream")).status_code == 401
