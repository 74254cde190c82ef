"""API key scopes at notifications: the delivery log needs deliveries:read."""

from typing import Any

import httpx
import pytest
from notifications_builders import credential, make_alert
from notifications_hub import running_hub

from cvihub_contracts import GrantAction, Scope, Stream, new_event, partner_source, to_kafka
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_runtime.problems import PROBLEM_JSON
from cvihub_testkit import eventually, produce
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

ALERTS = Stream.INCIDENT_ALERTS


def _assert_insufficient_scope(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"].endswith("/insufficient-scope")
    assert response.json()["required_scope"] == ["deliveries:read"]
    assert response.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope" scope="deliveries:read"'
    )


async def test_the_delivery_log_needs_the_deliveries_read_scope(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(
        kafka_bootstrap, make_database("notifications"), webhook_receiver
    ) as hub:
        subscribe, publish = (ALERTS, GrantAction.SUBSCRIBE), (ALERTS, GrantAction.PUBLISH)
        await hub.onboard("police-1", PartnerKind.POLICE, grants=[publish])
        await hub.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[subscribe], endpoints=[ALERTS])
        narrow_record, narrow_key = credential("cvi-1", [Scope.REFERRALS_READ])
        reader_record, reader_key = credential("cvi-1", [Scope.DELIVERIES_READ])
        await hub.produce_applied(narrow_record, reader_record)
        event = new_event(make_alert(), source=partner_source("police-1"))
        await produce(hub.kafka, to_kafka(event))
        await eventually(lambda: webhook_receiver.received("/hooks/cvi-1"))

        def as_key(key: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {key}"}

        listed = await hub.client.get("/v1/deliveries", headers=as_key(reader_key))
        assert listed.status_code == 200
        items = listed.json()["items"]
        assert [d["event_id"] for d in items] == [event.envelope.id]
        path = f"/v1/deliveries/{items[0]['delivery_id']}"
        assert (await hub.client.get(path, headers=as_key(reader_key))).status_code == 200

        # Same partner, a key without the scope: refused on both routes.
        _assert_insufficient_scope(
            await hub.client.get("/v1/deliveries", headers=as_key(narrow_key))
        )
        _assert_insufficient_scope(await hub.client.get(path, headers=as_key(narrow_key)))
