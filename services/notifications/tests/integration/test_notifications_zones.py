"""A zone-scoped subscribe grant, end to end through a real broker, database and receiver."""

import asyncio
from typing import Any

import pytest
from notifications_builders import grant, make_alert
from notifications_hub import running_hub
from standardwebhooks.webhooks import Webhook

from cvihub_contracts import GrantAction, Stream, new_event, partner_source, to_kafka
from cvihub_contracts.alert.incident_alert_v1 import Location
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import eventually, produce
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

ALERTS = Stream.INCIDENT_ALERTS


async def test_zone_scoped_org_receives_a_north_alert_and_not_a_south_one(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await h.onboard("police-1", PartnerKind.POLICE, grants=[(ALERTS, GrantAction.PUBLISH)])
        await h.onboard("cvi-1", PartnerKind.CVI_ORG, endpoints=[ALERTS])
        await h.produce_applied(grant("cvi-1", ALERTS, sequence=2, zones=["north"]))

        ids = {}
        for zone in ("south", "north"):
            alert = make_alert(location=Location(block_address="100 block of Main St", zone=zone))
            event = new_event(alert, source=partner_source("police-1"))
            ids[zone] = event.envelope.id
            await produce(h.kafka, to_kafka(event))

        received = await eventually(lambda: webhook_receiver.received("/hooks/cvi-1"))
        await asyncio.sleep(0.5)  # time for the south alert to show up if it wrongly would
        bodies = [
            Webhook(h.secrets["cvi-1"]).verify(r.body, r.headers)
            for r in webhook_receiver.received("/hooks/cvi-1")
        ]
        assert received
        assert [(b["id"], b["data"]["location"]["zone"]) for b in bodies] == [
            (ids["north"], "north")
        ]
        assert "weapon_type" not in bodies[0]["data"]
