"""Webhook egress at delivery: a URL that breaks an egress rule is never requested; its
delivery fails at once with the rule named, and is not retried."""

from typing import Any

import pytest
from notifications_builders import make_alert, subscription
from notifications_hub import running_hub

from cvihub_contracts import GrantAction, Stream, new_event, partner_source, to_kafka
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_runtime.secretbox import new_webhook_secret
from cvihub_testkit import eventually, produce
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

ALERTS = Stream.INCIDENT_ALERTS
REFUSED = {
    "cvi-http": ("{receiver}", "https-only"),
    "cvi-metadata": ("https://169.254.169.254/latest/meta-data/", "cloud-metadata-address"),
    "cvi-admin": ("https://127.0.0.1:8001/v1/admin/partners", "loopback-address"),
    "cvi-private": ("https://10.0.0.5/hook", "private-address"),
    "cvi-v6": ("https://[fd00::5]/hook", "unique-local-address"),
}


async def test_deliveries_to_forbidden_addresses_fail_naming_the_rule(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        webhook_allow_insecure_loopback=False,  # production's rules
        retry_schedule_seconds=[0.05] * 5,
    ) as h:
        await h.onboard("police-1", PartnerKind.POLICE, grants=[(ALERTS, GrantAction.PUBLISH)])
        for partner_id, (url, _) in REFUSED.items():
            await h.onboard(
                partner_id, PartnerKind.CVI_ORG, grants=[(ALERTS, GrantAction.SUBSCRIBE)]
            )
            target = url.format(receiver=webhook_receiver.url(f"/hooks/{partner_id}"))
            await h.produce_applied(
                subscription(partner_id, ALERTS, url=target, secret=new_webhook_secret(), box=h.box)
            )
        event = new_event(make_alert(), source=partner_source("police-1"))
        await produce(h.kafka, to_kafka(event))

        for partner_id, (_, rule) in REFUSED.items():

            async def failed(p: str = partner_id) -> list[dict[str, Any]]:
                answer = await h.get("/v1/deliveries", p, status="failed")
                return list(answer.json()["items"])

            [dead] = await eventually(failed)
            assert dead["attempts"] == 1  # refused for good: no retry
            assert dead["last_error"].startswith(f"egress refused: {rule}: ")
        assert webhook_receiver.requests == []  # the plain-http one never left either
