"""Webhook delivery against a real broker, a real database and a real HTTP receiver."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from notifications_builders import grant, make_alert
from notifications_hub import Hub, running_hub
from standardwebhooks.webhooks import Webhook

from cvihub_contracts import GrantAction, KafkaRecord, Stream, new_event, partner_source, to_kafka
from cvihub_contracts.registry.changes_v1 import EntityStatus, PartnerKind
from cvihub_testkit import TestDatabase, eventually, produce
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

ALERTS = Stream.INCIDENT_ALERTS


@asynccontextmanager
async def alerts_hub(
    kafka: str, db: TestDatabase, receiver: WebhookReceiver, **settings: Any
) -> AsyncIterator[Hub]:
    """police-1 publishes alerts; cvi-1 may receive them; cvi-2 subscribed without a grant."""
    async with running_hub(kafka, db, receiver, **settings) as hub:
        subscribe, publish = (ALERTS, GrantAction.SUBSCRIBE), (ALERTS, GrantAction.PUBLISH)
        await hub.onboard(
            "police-1", PartnerKind.POLICE, grants=[publish, subscribe], endpoints=[ALERTS]
        )
        await hub.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[subscribe], endpoints=[ALERTS])
        await hub.onboard("cvi-2", PartnerKind.CVI_ORG, endpoints=[ALERTS])
        yield hub


def alert_record() -> tuple[KafkaRecord, str]:
    """An alert published by police-1, and its event id."""
    event = new_event(make_alert(), source=partner_source("police-1"))
    return to_kafka(event), event.envelope.id


async def test_alert_reaches_only_the_granted_org_once_signed_and_without_cji(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with alerts_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        record, event_id = alert_record()
        await produce(h.kafka, record, record)  # the same event twice

        received = await eventually(lambda: webhook_receiver.received("/hooks/cvi-1"))
        request = received[0]
        body = Webhook(h.secrets["cvi-1"]).verify(request.body, request.headers)
        assert request.headers["webhook-id"] == event_id
        assert request.headers["content-type"] == "application/cloudevents+json"
        assert body["id"] == event_id
        assert body["type"] == "org.cvihub.incident-alert.published"
        assert body["data"]["incident_type"] == "shooting"
        assert "source_incident_id" not in body["data"]
        assert "weapon_type" not in body["data"]
        assert {"#/source_incident_id", "#/weapon_type"} <= set(body["redacted"].split(" "))

        await asyncio.sleep(1.0)  # time for a duplicate or a wrong delivery to show up
        assert len(webhook_receiver.received("/hooks/cvi-1")) == 1
        assert webhook_receiver.received("/hooks/cvi-2") == []  # subscribed, no grant
        assert webhook_receiver.received("/hooks/police-1") == []  # the publisher itself

        listed = (await h.get("/v1/deliveries", "cvi-1")).json()["items"]
        assert [(d["event_id"], d["status"], d["attempts"]) for d in listed] == [
            (event_id, "delivered", 1)
        ]
        assert "body" not in listed[0]
        assert (await h.get("/v1/deliveries", "cvi-2")).json()["items"] == []

        delivery_id = listed[0]["delivery_id"]
        detail = (await h.get(f"/v1/deliveries/{delivery_id}", "cvi-1")).json()
        assert [a["status_code"] for a in detail["attempt_log"]] == [200]
        other = await h.get(f"/v1/deliveries/{delivery_id}", "cvi-2")
        assert other.status_code == 404
        assert other.headers["content-type"] == "application/problem+json"
        assert (await h.client.get("/v1/deliveries")).status_code == 401


async def test_failed_attempts_are_retried_and_recorded(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first("/hooks/cvi-1", 2)
    async with alerts_hub(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        retry_schedule_seconds=[0.05] * 9,
    ) as h:
        record, event_id = alert_record()
        await produce(h.kafka, record)

        async def delivered() -> list[dict[str, Any]]:
            items = (await h.get("/v1/deliveries", "cvi-1", status="delivered")).json()["items"]
            return list(items)

        [delivery] = await eventually(delivered)
        assert delivery["attempts"] == 3
        assert delivery["last_status_code"] == 200
        detail = (await h.get(f"/v1/deliveries/{delivery['delivery_id']}", "cvi-1")).json()
        attempts = detail["attempt_log"]
        assert [(a["attempt_no"], a["status_code"]) for a in attempts] == [
            (1, 500),
            (2, 500),
            (3, 200),
        ]
        assert attempts[0]["error"] == "HTTP 500"
        assert attempts[0]["at"] < attempts[1]["at"] < attempts[2]["at"]

        requests = webhook_receiver.received("/hooks/cvi-1")
        assert [r.answered for r in requests] == [500, 500, 200]
        assert {r.headers["webhook-id"] for r in requests} == {event_id}
        for request in requests:
            Webhook(h.secrets["cvi-1"]).verify(request.body, request.headers)

        metrics = (await h.client.get("/metrics")).text
        assert 'cvihub_notifications_delivery_attempts_total{outcome="retry"}' in metrics
        assert "cvihub_notifications_delivery_latency_seconds_count" in metrics


async def test_revoked_grant_stops_later_deliveries_and_pending_retries(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first("/hooks/cvi-1", 1000)
    async with alerts_hub(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        retry_schedule_seconds=[0.5] * 20,
    ) as h:
        first, first_id = alert_record()
        await produce(h.kafka, first)
        await eventually(lambda: webhook_receiver.received("/hooks/cvi-1"))

        await h.produce_applied(grant("cvi-1", ALERTS, sequence=2, status=EntityStatus.REVOKED))
        second, _ = alert_record()
        await h.produce_applied(second)

        async def abandoned() -> list[dict[str, Any]]:
            items = (await h.get("/v1/deliveries", "cvi-1", status="failed")).json()["items"]
            return list(items)

        [failed] = await eventually(abandoned)
        assert failed["event_id"] == first_id
        assert failed["last_error"] == "subscribe grant no longer active"
        sent = len(webhook_receiver.received("/hooks/cvi-1"))
        await asyncio.sleep(1.0)
        requests = webhook_receiver.received("/hooks/cvi-1")
        assert len(requests) == sent  # no retry after the revocation took effect
        assert {json.loads(r.body)["id"] for r in requests} == {first_id}  # nothing later
        listed = (await h.get("/v1/deliveries", "cvi-1")).json()["items"]
        assert [d["event_id"] for d in listed] == [first_id]
