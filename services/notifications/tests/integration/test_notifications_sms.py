"""SMS notices through a real broker, database and an in-process gateway speaking Twilio's
Messages API: public fields only, filters, retries on 500, no retry for a refused number."""

import asyncio
from typing import Any

import pytest
import structlog
from notifications_builders import grant, make_alert, make_bulletin, record, subscription
from notifications_hub import Hub, running_hub
from notifications_twilio import AUTH_TOKEN, SENDER, TwilioTestGateway
from sqlalchemy import select

from cvihub_contracts import Classification, GrantAction, Stream
from cvihub_contracts.alert.incident_alert_v1 import Location
from cvihub_contracts.bulletin.published_v1 import Venue
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind
from cvihub_notifications.channels.sms import SEGMENT, gsm7_septets
from cvihub_notifications.models import deliveries
from cvihub_testkit import eventually
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

ALERTS = Stream.INCIDENT_ALERTS
BULLETINS = Stream.BULLETINS
PUBLISH = [(ALERTS, GrantAction.PUBLISH), (BULLETINS, GrantAction.PUBLISH)]
PUBLIC_URL = "https://hub.example.org"
CJI_AND_ADDRESS = ("CAD-2030-0001", "handgun", "1200 block", "W Main", "police-1", "shooting")
NUMBERS = {
    "police-2": "+15550000002",
    "cvi-1": "+15550000011",
    "cvi-2": "+15550000012",
    "cvi-3": "+15550000013",
    "cvi-4": "+15550000014",
}


def _sms(hub: Hub, partner_id: str, stream: Stream = ALERTS, **filters: Any) -> Any:
    return subscription(
        partner_id,
        stream,
        url=f"sms:{NUMBERS[partner_id]}",
        secret="",
        box=hub.box,
        channel=Channel.SMS,
        **filters,
    )


def _record_logs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every rendered structlog line from now on (structlog's loggers are cached per module,
    bound to the stream of the first test that used them, so capfd would not see them)."""
    lines: list[str] = []
    original = structlog.PrintLogger.msg

    def record(self: structlog.PrintLogger, message: str) -> None:
        lines.append(message)
        original(self, message)

    for name in ("msg", "debug", "info", "warning", "error", "critical", "exception"):
        monkeypatch.setattr(structlog.PrintLogger, name, record)
    return lines


async def _rows(hub: Hub) -> list[Any]:
    async with hub.app.state.hosting.sessions() as session:
        return list(
            await session.execute(
                select(
                    deliveries.c.partner_id,
                    deliveries.c.channel,
                    deliveries.c.status,
                    deliveries.c.attempts,
                    deliveries.c.last_error,
                )
            )
        )


async def test_an_alert_reaches_sms_subscribers_as_a_public_notice_and_filters_apply(
    kafka_bootstrap: str,
    make_database: Any,
    webhook_receiver: WebhookReceiver,
    sms_gateway: TwilioTestGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logs = _record_logs(monkeypatch)
    async with running_hub(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        sms_url=sms_gateway.url,
        public_url=PUBLIC_URL,
    ) as h:
        await h.onboard("police-1", PartnerKind.POLICE, grants=PUBLISH)
        await h.onboard("police-2", PartnerKind.POLICE)
        for partner_id in ("cvi-1", "cvi-2", "cvi-3", "cvi-4"):
            await h.onboard(partner_id, PartnerKind.CVI_ORG)
        await h.produce_applied(
            # police-2's grant lets every classification through, CJI included ...
            grant("police-2", ALERTS, field_view=list(Classification)),
            _sms(h, "police-2"),  # ... yet an SMS carries PUBLIC fields only.
            grant("cvi-1", ALERTS),
            _sms(h, "cvi-1", zones=["Z3"]),  # the alert's zone
            grant("cvi-2", ALERTS),
            _sms(h, "cvi-2", zones=["north"]),  # another zone: filtered out
            grant("cvi-3", ALERTS),
            grant("cvi-3", BULLETINS),
            # Bulletins only: the alert is filtered out, the bulletin comes.
            _sms(h, "cvi-3", BULLETINS, event_types=["org.cvihub.bulletin.published"]),
            _sms(h, "cvi-4"),  # no subscribe grant: nothing, whatever the subscription says
        )
        await h.produce_applied(
            record(make_alert(), partner_id="police-1"),  # zone Z3, CJI set
            record(
                make_bulletin(venue=Venue(name="Example Park", zone="Z7")), partner_id="police-1"
            ),
        )
        await eventually(
            lambda: (
                sms_gateway.accepted(NUMBERS["police-2"])
                and sms_gateway.accepted(NUMBERS["cvi-1"])
                and sms_gateway.accepted(NUMBERS["cvi-3"])
            )
        )
        await asyncio.sleep(1.0)  # time for a wrongly routed message to arrive too
        listed = (await h.get("/v1/deliveries", "cvi-1")).json()["items"]
        rows = await _rows(h)

    assert sms_gateway.unauthorised == 0  # basic auth SID:token on every request
    assert {m.to for m in sms_gateway.requests} == {
        NUMBERS["police-2"],
        NUMBERS["cvi-1"],
        NUMBERS["cvi-3"],
    }
    assert len(sms_gateway.requests) == 3  # one each
    for message in sms_gateway.requests:
        assert message.sender == SENDER
        assert (gsm7_septets(message.body) or SEGMENT + 1) <= SEGMENT  # one GSM-7 segment
        assert message.body.endswith(f"Read it at {PUBLIC_URL}/v1/inbox")
        for secret in CJI_AND_ADDRESS:
            assert secret not in message.body, secret
    [to_police] = sms_gateway.to(NUMBERS["police-2"])
    assert to_police.body.startswith("CVI hub: new incident alert in zone Z3 at ")
    [bulletin] = sms_gateway.to(NUMBERS["cvi-3"])
    assert bulletin.body.startswith("CVI hub: new community bulletin in zone Z7 at ")

    assert sorted((r.partner_id, r.channel, r.status, r.attempts) for r in rows) == [
        ("cvi-1", "sms", "delivered", 1),
        ("cvi-3", "sms", "delivered", 1),
        ("police-2", "sms", "delivered", 1),
    ]
    [mine] = listed
    assert (mine["channel"], mine["url"], mine["last_status_code"]) == (
        "sms",
        f"sms:{NUMBERS['cvi-1']}",
        201,
    )

    # Neither the numbers, the text nor the token were logged.
    logged = "\n".join(logs)
    assert "sms accepted" in logged  # the log was captured
    for number in NUMBERS.values():
        assert number not in logged
    assert "CVI hub: new" not in logged and AUTH_TOKEN not in logged


async def test_a_gateway_500_is_retried_and_an_invalid_number_is_not(
    kafka_bootstrap: str,
    make_database: Any,
    webhook_receiver: WebhookReceiver,
    sms_gateway: TwilioTestGateway,
) -> None:
    flaky, invalid = NUMBERS["cvi-1"], NUMBERS["cvi-2"]
    sms_gateway.fail_next(flaky, 1)
    sms_gateway.invalid_numbers.add(invalid)
    async with running_hub(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        sms_url=sms_gateway.url,
        retry_schedule_seconds=[0.05] * 9,
    ) as h:
        await h.onboard("police-1", PartnerKind.POLICE, grants=PUBLISH)
        for partner_id in ("cvi-1", "cvi-2"):
            await h.onboard(
                partner_id, PartnerKind.CVI_ORG, grants=[(ALERTS, GrantAction.SUBSCRIBE)]
            )
            await h.produce_applied(_sms(h, partner_id))
        await h.produce_applied(
            record(
                make_alert(location=Location(block_address="100 block of Main St", zone="Z3")),
                partner_id="police-1",
            )
        )

        async def settled(partner_id: str, status: str) -> list[dict[str, Any]]:
            items = (await h.get("/v1/deliveries", partner_id, status=status)).json()["items"]
            return list(items)

        [retried] = await eventually(lambda: settled("cvi-1", "delivered"))
        [refused] = await eventually(lambda: settled("cvi-2", "failed"))
        await asyncio.sleep(0.6)  # a retry of the refused number would be due by now
        retried_log = (await h.get(f"/v1/deliveries/{retried['delivery_id']}", "cvi-1")).json()
        refused_log = (await h.get(f"/v1/deliveries/{refused['delivery_id']}", "cvi-2")).json()

    assert [m.answered for m in sms_gateway.to(flaky)] == [500, 201]
    assert [(a["status_code"], a["error"]) for a in retried_log["attempt_log"]] == [
        (500, "HTTP 500 (Twilio error 20500)"),
        (201, None),
    ]
    assert retried["attempts"] == 2

    assert [m.answered for m in sms_gateway.to(invalid)] == [400]  # once, never again
    assert refused["attempts"] == 1 and refused["next_attempt_at"] is None
    [attempt] = refused_log["attempt_log"]
    assert (attempt["status_code"], attempt["error"]) == (400, "HTTP 400 (Twilio error 21211)")
    # Twilio's message quoted the number; the hub kept only the codes.
    assert invalid not in str(refused_log["last_error"]) + str(refused_log["attempt_log"])


async def test_without_an_sms_gateway_sms_deliveries_wait_and_health_says_so(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await h.onboard("police-1", PartnerKind.POLICE, grants=PUBLISH)
        await h.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[(ALERTS, GrantAction.SUBSCRIBE)])
        await h.produce_applied(_sms(h, "cvi-1"))
        await h.produce_applied(record(make_alert(), partner_id="police-1"))
        await eventually(lambda: _rows(h))
        await asyncio.sleep(1.5)  # the worker polls every 0.5 s: it had its chances
        rows = await _rows(h)
        health = (await h.client.get("/health")).json()

    assert [(r.channel, r.status, r.attempts) for r in rows] == [("sms", "pending", 0)]
    assert health["progress"]["sms_configured"] == 0
    assert health["progress"]["sms_pending"] == 1
    assert health["progress"]["email_configured"] == 0  # the two channels are independent
