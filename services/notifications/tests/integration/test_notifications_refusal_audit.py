"""Refusals notifications decides reach the audit topic; routing facts do not."""

import asyncio
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from notifications_builders import make_alert, make_consent, make_referral, record
from notifications_hub import Hub, running_hub
from sqlalchemy import func, select

from cvihub_contracts import GrantAction, Stream, from_kafka, topics
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_notifications.models import outbox
from cvihub_testkit import eventually, produce
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

REFERRALS = Stream.REFERRALS
SUBSCRIBE = (REFERRALS, GrantAction.SUBSCRIBE)


async def _unpublished(hub: Hub) -> int:
    async with hub.app.state.hosting.sessions() as session:
        query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        return int(await session.scalar(query) or 0)


async def _audit_events(hub: Hub, *, seconds: float = 1.5) -> list[AccessRefusedV1]:
    """Everything the service published on the audit topic, once its outbox is relayed."""
    await hub.app.state.refusals.flush()
    hub.app.state.relay.wake()
    await eventually(lambda: _no_backlog(hub), timeout=10)
    consumer = AIOKafkaConsumer(
        topics.AUDIT, bootstrap_servers=hub.kafka, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: list[AccessRefusedV1] = []
    try:
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    event = from_kafka(dict(r.headers), r.key, r.value)
                    assert isinstance(event.data, AccessRefusedV1)
                    found.append(event.data)
    finally:
        await consumer.stop()
    return found


async def _no_backlog(hub: Hub) -> bool:
    return await _unpublished(hub) == 0


async def test_named_refusals_are_audited_once_and_routing_facts_are_not(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await h.onboard("hospital-1", PartnerKind.HOSPITAL, grants=[SUBSCRIBE])
        await h.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[SUBSCRIBE], endpoints=[REFERRALS])
        await h.onboard("cvi-2", PartnerKind.CVI_ORG, grants=[SUBSCRIBE], endpoints=[REFERRALS])
        await h.onboard("cvi-3", PartnerKind.CVI_ORG)  # no subscribe grant
        await h.onboard("cvi-4", PartnerKind.CVI_ORG, grants=[SUBSCRIBE])  # no endpoint

        not_consented = make_referral(
            recipient_partner_id="cvi-2", consent=make_consent(recipient_partner_ids=["cvi-1"])
        )
        ungranted = make_referral(
            recipient_partner_id="cvi-3", consent=make_consent(recipient_partner_ids=["cvi-3"])
        )
        no_endpoint = make_referral(
            recipient_partner_id="cvi-4", consent=make_consent(recipient_partner_ids=["cvi-4"])
        )
        delivered = make_referral()
        refused_record = record(not_consented, partner_id="hospital-1")
        await h.produce_applied(
            refused_record,
            record(ungranted, partner_id="hospital-1"),
            record(no_endpoint, partner_id="hospital-1"),
            record(delivered, partner_id="hospital-1"),
        )
        # The same event again (a redelivery): skipped by the inbox, its refusal with it.
        await produce(h.kafka, refused_record)
        await asyncio.sleep(1.5)  # time to apply it, were it not skipped

        listed = (await h.get("/v1/deliveries", "cvi-1")).json()["items"]
        peeked = await h.get(f"/v1/deliveries/{listed[0]['delivery_id']}", "cvi-2")
        missing = await h.get("/v1/deliveries/no-such-delivery", "cvi-2")
        events = await _audit_events(h)

    assert peeked.status_code == 404
    assert missing.status_code == 404
    deliveries = {e.partner_id: e for e in events if e.action.startswith("deliver ")}
    assert set(deliveries) == {"cvi-2", "cvi-3"}  # not cvi-4: a missing endpoint is routing
    assert "consent" in deliveries["cvi-2"].reason
    assert deliveries["cvi-2"].resource == f"referrals/{not_consented.referral_id}"
    assert deliveries["cvi-2"].action == "deliver org.cvihub.referral.submitted"
    assert deliveries["cvi-2"].status_code is None
    assert deliveries["cvi-3"].reason == "no subscribe grant"
    assert all(e.service == "notifications" for e in events)
    assert len([e for e in events if e.action.startswith("deliver ")]) == 2  # once each
    # Another partner's delivery answers 404 like a missing one, but is audited; a missing one
    # is not.
    [peek] = [e for e in events if e.action == "GET /v1/deliveries/{delivery_id}"]
    assert peek.partner_id == "cvi-2"
    assert peek.resource == listed[0]["delivery_id"]
    assert peek.reason == "not the recipient of this delivery"
    assert peek.status_code == 404
    assert all("Doe" not in e.model_dump_json() for e in events)


async def test_an_unauthenticated_delivery_lookup_is_audited(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        response = await h.client.get("/v1/deliveries")
        events = await _audit_events(h)

    assert response.status_code == 401
    [event] = events
    assert event.reason == "missing key"
    assert event.action == "GET /v1/deliveries"
    assert event.partner_id is None
    assert event.status_code == 401


async def test_a_funder_never_receives_a_single_event_even_with_a_grant(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    alerts = (Stream.INCIDENT_ALERTS, GrantAction.SUBSCRIBE)
    async with running_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        # The registry grants a funder nothing; a grant in the copy anyway (an old registry, a
        # hand-made event) still delivers nothing to it.
        await h.onboard("fund-1", PartnerKind.FUNDER, grants=[alerts], endpoints=[alerts[0]])
        await h.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[alerts], endpoints=[alerts[0]])
        alert = make_alert()
        await h.produce_applied(record(alert, partner_id="police-1"))
        await eventually(lambda: len(webhook_receiver.received("/hooks/cvi-1")) == 1, timeout=15)
        funder_deliveries = (await h.get("/v1/deliveries", "fund-1")).json()["items"]
        events = await _audit_events(h)

    assert funder_deliveries == []
    assert webhook_receiver.received("/hooks/fund-1") == []
    [refused] = [e for e in events if e.partner_id == "fund-1"]
    assert refused.reason == "funders receive aggregates only"
    assert refused.action == "deliver org.cvihub.incident-alert.published"
