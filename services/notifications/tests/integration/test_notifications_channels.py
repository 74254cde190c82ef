"""Subscription filters, the web inbox and e-mail notices, through a real broker, database,
webhook receiver and SMTP server."""

import asyncio
from typing import Any

import pytest
from notifications_builders import (
    grant,
    make_alert,
    make_consent,
    make_referral,
    record,
    subscription,
)
from notifications_hub import Hub, running_hub
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from cvihub_contracts import (
    Classification,
    GrantAction,
    Stream,
    new_event,
    partner_source,
    to_kafka,
)
from cvihub_contracts.alert.incident_alert_v1 import Location
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind
from cvihub_notifications.models import deliveries
from cvihub_testkit import eventually, produce
from cvihub_testkit.mail import SmtpTestServer
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

ALERTS = Stream.INCIDENT_ALERTS
REFERRALS = Stream.REFERRALS
PUBLISH = (ALERTS, GrantAction.PUBLISH)
SUBSCRIBE = (ALERTS, GrantAction.SUBSCRIBE)


def _alert_in(zone: str) -> Any:
    return make_alert(location=Location(block_address="100 block of Main St", zone=zone))


async def _publish(hub: Hub, *alerts: Any) -> list[str]:
    ids = []
    for alert in alerts:
        event = new_event(alert, source=partner_source("police-1"))
        ids.append(event.envelope.id)
        await produce(hub.kafka, to_kafka(event))
    return ids


async def _inbox(hub: Hub, partner_id: str, **params: Any) -> dict[str, Any]:
    answer = await hub.get("/v1/inbox", partner_id, **params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def _channel_rows(hub: Hub) -> list[Any]:
    async with hub.app.state.hosting.sessions() as session:
        return list(
            await session.execute(
                select(
                    deliveries.c.partner_id,
                    deliveries.c.channel,
                    deliveries.c.status,
                    deliveries.c.attempts,
                )
            )
        )


async def test_zone_filter_and_inbox_for_the_owner_only(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await h.onboard("police-1", PartnerKind.POLICE, grants=[PUBLISH])
        await h.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[SUBSCRIBE])
        await h.onboard("cvi-2", PartnerKind.CVI_ORG, grants=[SUBSCRIBE])
        await h.onboard("cvi-3", PartnerKind.CVI_ORG, grants=[SUBSCRIBE])
        box, secret = h.box, h.secrets["cvi-1"]
        await h.produce_applied(
            # cvi-1: a webhook filtered to the north zone.
            subscription(
                "cvi-1",
                ALERTS,
                url=webhook_receiver.url("/hooks/cvi-1"),
                secret=secret,
                box=box,
                zones=["north"],
            ),
            # cvi-2 and cvi-3: inboxes without a filter.
            subscription(
                "cvi-2", ALERTS, url="cvihub:inbox", secret="", box=box, channel=Channel.INBOX
            ),
            subscription(
                "cvi-3", ALERTS, url="cvihub:inbox", secret="", box=box, channel=Channel.INBOX
            ),
        )
        south, north = await _publish(h, _alert_in("south"), _alert_in("north"))

        # The webhook gets the north alert only; the inboxes both.
        await eventually(lambda: webhook_receiver.received("/hooks/cvi-1"))
        assert await eventually(lambda: _inbox_count(h, "cvi-2", 2))
        await asyncio.sleep(0.5)  # time for the south alert to reach cvi-1 if it wrongly would
        hooks = [
            Webhook(secret).verify(r.body, r.headers)
            for r in webhook_receiver.received("/hooks/cvi-1")
        ]
        assert [b["id"] for b in hooks] == [north]

        page = await _inbox(h, "cvi-2")
        items = page["items"]
        assert {i["event_id"] for i in items} == {south, north}
        assert [i["received_at"] for i in items] == sorted(
            (i["received_at"] for i in items), reverse=True
        )
        assert page["next_cursor"] is None
        first = items[0]
        assert first["read_at"] is None
        assert first["event"]["id"] == first["event_id"]
        assert "weapon_type" not in first["event"]["data"]  # CJI stays redacted in an inbox
        assert "#/weapon_type" in first["event"]["redacted"]

        # Paging: one per page, the cursor leads to the other, then to nothing.
        one = await _inbox(h, "cvi-2", limit=1)
        assert [i["item_id"] for i in one["items"]] == [items[0]["item_id"]]
        two = await _inbox(h, "cvi-2", limit=1, cursor=one["next_cursor"])
        assert [i["item_id"] for i in two["items"]] == [items[1]["item_id"]]
        assert two["next_cursor"] is None
        bad = await h.get("/v1/inbox", "cvi-2", cursor="bm90IGEgY3Vyc29y")
        assert bad.status_code == 422
        assert (await h.get("/v1/inbox", "cvi-2", limit=201)).status_code == 422

        # Another partner's item answers 404, exactly like a missing one.
        item_path = f"/v1/inbox/{first['item_id']}"
        assert (await h.get(item_path, "cvi-2")).json()["event_id"] == first["event_id"]
        foreign = await h.get(item_path, "cvi-3")
        missing = await h.get("/v1/inbox/no-such-item", "cvi-3")
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["type"] == missing.json()["type"]
        marked_by_other = await h.client.post(
            f"{item_path}/read", headers={"Authorization": f"Bearer {h.keys['cvi-3']}"}
        )
        assert marked_by_other.status_code == 404
        assert {i["event_id"] for i in (await _inbox(h, "cvi-3"))["items"]} == {south, north}
        assert (await _inbox(h, "cvi-1"))["items"] == []  # a webhook is no inbox

        # Marking read is the owner's, and the first time stays.
        owner = {"Authorization": f"Bearer {h.keys['cvi-2']}"}
        marked = await h.client.post(f"{item_path}/read", headers=owner)
        assert marked.status_code == 200 and marked.json()["read_at"] is not None
        again = await h.client.post(f"{item_path}/read", headers=owner)
        assert again.json()["read_at"] == marked.json()["read_at"]
        unread = await _inbox(h, "cvi-2", unread="true")
        assert [i["item_id"] for i in unread["items"]] == [items[1]["item_id"]]

        rows = await _channel_rows(h)
        inbox_rows = [r for r in rows if r.channel == "inbox"]
        assert len(inbox_rows) == 4 and {r.status for r in inbox_rows} == {"delivered"}
        assert {r.attempts for r in inbox_rows} == {0}  # nothing was sent anywhere


async def _inbox_count(hub: Hub, partner_id: str, count: int) -> bool:
    return len((await _inbox(hub, partner_id))["items"]) >= count


PII_AND_CJI = (
    "Alex",
    "Doe",
    "+15555550100",
    "GSW",
    "gunshot",
    "Nurse Kim",
    "CAD-2030-0001",
    "handgun",
    "1200 block",
)


async def test_email_notices_arrive_without_personal_or_case_data(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    with SmtpTestServer().running() as smtp:
        async with running_hub(
            kafka_bootstrap,
            make_database("notifications"),
            webhook_receiver,
            smtp_url=f"smtp://127.0.0.1:{smtp.port}?starttls=false&timeout=5",
            mail_from="CVI hub <hub@cvihub.example>",
        ) as h:
            everything = list(Classification)
            await h.onboard("police-1", PartnerKind.POLICE, grants=[PUBLISH])
            await h.onboard("police-2", PartnerKind.POLICE)
            await h.onboard("hospital-1", PartnerKind.HOSPITAL)
            await h.onboard("cvi-1", PartnerKind.CVI_ORG)
            box = h.box
            await h.produce_applied(
                # A grant that lets every classification through to police-2 ...
                grant("police-2", ALERTS, field_view=everything),
                grant("cvi-1", REFERRALS, field_view=everything),
                # ... and e-mail endpoints.
                subscription(
                    "police-2",
                    ALERTS,
                    url="mailto:watch@police-2.example",
                    secret="",
                    box=box,
                    channel=Channel.EMAIL,
                ),
                subscription(
                    "cvi-1",
                    REFERRALS,
                    url="mailto:intake@cvi-1.example",
                    secret="",
                    box=box,
                    channel=Channel.EMAIL,
                ),
            )
            alert = make_alert()  # zone Z3, with CJI set
            referral = make_referral(consent=make_consent())  # PII and PHI set
            await h.produce_applied(
                record(alert, partner_id="police-1"), record(referral, partner_id="hospital-1")
            )
            received = await eventually(lambda: len(smtp.received) >= 2 and smtp.received)
            await asyncio.sleep(0.3)  # one each, not more
            assert len(smtp.received) == 2
            rows = await _channel_rows(h)

    by_address = {r.rcpt_tos[0]: r for r in received}
    assert set(by_address) == {"watch@police-2.example", "intake@cvi-1.example"}
    for message in received:
        whole = message.message.as_string() + message.text
        for secret in PII_AND_CJI:
            assert secret not in whole, secret
        assert message.message["From"] == "CVI hub <hub@cvihub.example>"
        assert "GET /v1/inbox" in message.text
    assert "zone Z3" in str(by_address["watch@police-2.example"].message["Subject"])
    assert "referral" in str(by_address["intake@cvi-1.example"].message["Subject"])
    email_rows = [r for r in rows if r.channel == "email"]
    assert sorted((r.status, r.attempts) for r in email_rows) == [
        ("delivered", 1),
        ("delivered", 1),
    ]


async def test_without_smtp_email_deliveries_wait_and_health_says_so(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await h.onboard("police-1", PartnerKind.POLICE, grants=[PUBLISH])
        await h.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[SUBSCRIBE])
        await h.produce_applied(
            subscription(
                "cvi-1",
                ALERTS,
                url="mailto:ops@cvi-1.example",
                secret="",
                box=h.box,
                channel=Channel.EMAIL,
            )
        )
        await _publish(h, _alert_in("north"))
        await eventually(lambda: _has_rows(h))
        await asyncio.sleep(1.5)  # the worker polls every 0.5 s: it had its chances
        rows = await _channel_rows(h)
        assert [(r.channel, r.status, r.attempts) for r in rows] == [("email", "pending", 0)]
        health = (await h.client.get("/health")).json()
        assert health["progress"]["email_configured"] == 0
        assert health["progress"]["email_pending"] == 1


async def _has_rows(hub: Hub) -> bool:
    return bool(await _channel_rows(hub))
