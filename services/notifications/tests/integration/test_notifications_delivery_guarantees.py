"""No delivery silently dropped: Retry-After, 410 Gone, redirects, dead letters and their way
back (resend, recover, re-enable), per-endpoint lanes, per-incident order, secret rotation.

Against a real broker, database and HTTP receiver; schedules are compressed by settings."""

import json
from datetime import datetime
from typing import Any

import pytest
from notifications_builders import subscription
from notifications_delivery import (
    ALERTS,
    deliveries,
    endpoint_of,
    hub_with,
    post,
    publish,
)
from standardwebhooks.webhooks import Webhook

from cvihub_runtime.secretbox import new_webhook_secret
from cvihub_testkit import eventually
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration


async def test_retry_after_is_honoured_and_redirects_are_failures(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first("/hooks/cvi-1", 1, status=429, headers={"Retry-After": "1"})
    webhook_receiver.fail_first(
        "/hooks/cvi-2", 1, status=307, headers={"Location": "http://169.254.169.254/latest/"}
    )
    async with hub_with(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        "cvi-1",
        "cvi-2",
        retry_schedule_seconds=[0.05] * 3,
    ) as h:
        await publish(h)
        for partner_id in ("cvi-1", "cvi-2"):
            [done] = await eventually(lambda p=partner_id: deliveries(h, p, status="delivered"))
            detail = (await h.get(f"/v1/deliveries/{done['delivery_id']}", partner_id)).json()
            first, second = detail["attempt_log"]
            if partner_id == "cvi-1":
                assert (first["status_code"], first["error"]) == (429, "HTTP 429")
                # The receiver asked for 1 s; the schedule alone would have waited 0.05 s.
                waited = datetime.fromisoformat(second["at"]) - datetime.fromisoformat(first["at"])
                assert waited.total_seconds() >= 1.0
            else:
                assert first["status_code"] == 307
                assert first["error"] == "HTTP 307 (redirects are not followed)"
            assert second["status_code"] == 200
        # Nothing went where the redirect pointed: every request reached the two hooks.
        assert {r.path for r in webhook_receiver.requests} == {"/hooks/cvi-1", "/hooks/cvi-2"}


async def test_dead_letters_are_listed_and_resent(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first("/hooks/cvi-1", 3)
    async with hub_with(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        "cvi-1",
        retry_schedule_seconds=[0.05, 0.05],
    ) as h:
        event_id = await publish(h)
        [dead] = await eventually(lambda: deliveries(h, "cvi-1", status="failed"))
        assert (dead["event_id"], dead["attempts"], dead["last_error"]) == (
            event_id,
            3,
            "HTTP 500",
        )
        endpoint = (await h.get(f"/v1/endpoints/{endpoint_of('cvi-1')}", "cvi-1")).json()
        assert (endpoint["failed"], endpoint["pending"], endpoint["disabled_at"]) == (1, 0, None)

        resent = await post(h, f"/v1/deliveries/{dead['delivery_id']}/resend", "cvi-1")
        assert resent.status_code == 200, resent.text
        assert resent.json()["status"] == "pending"
        [done] = await eventually(lambda: deliveries(h, "cvi-1", status="delivered"))
        assert done["attempts"] == 4
        requests = webhook_receiver.received("/hooks/cvi-1")
        assert [r.answered for r in requests] == [500, 500, 500, 200]
        assert {r.headers["webhook-id"] for r in requests} == {event_id}  # receivers dedupe
        again = await post(h, f"/v1/deliveries/{dead['delivery_id']}/resend", "cvi-1")
        assert again.status_code == 200  # a delivered one may be resent too
        await eventually(lambda: len(webhook_receiver.received("/hooks/cvi-1")) == 5)


async def test_410_disables_the_endpoint_until_it_is_reenabled_with_recovery(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first("/hooks/cvi-1", 1, status=410)
    async with hub_with(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        "cvi-1",
        "cvi-2",
        retry_schedule_seconds=[0.05] * 5,
    ) as h:
        gone_id = await publish(h, source_incident_id="CAD-1")
        [gone] = await eventually(lambda: deliveries(h, "cvi-1", status="failed"))
        assert (gone["event_id"], gone["attempts"], gone["last_status_code"]) == (gone_id, 1, 410)
        endpoint = (await h.get(f"/v1/endpoints/{endpoint_of('cvi-1')}", "cvi-1")).json()
        assert endpoint["disabled_at"] is not None
        assert endpoint["disabled_reason"] == "HTTP 410 Gone"

        # While disabled, later alerts are not sent to it (they wait as dead letters); cvi-2
        # gets every one.
        missed = [await publish(h, source_incident_id=f"CAD-{n}") for n in (2, 3)]
        await eventually(lambda: len(webhook_receiver.received("/hooks/cvi-2")) == 3)

        async def all_failed() -> bool:
            return len(await deliveries(h, "cvi-1", status="failed")) == 3

        await eventually(all_failed)
        for item in await deliveries(h, "cvi-1", status="failed"):
            if item["event_id"] in missed:
                assert item["attempts"] == 0
                assert item["last_error"] == "endpoint disabled: HTTP 410 Gone"
        assert len(webhook_receiver.received("/hooks/cvi-1")) == 1

        enabled = await post(h, f"/v1/endpoints/{endpoint_of('cvi-1')}/enable", "cvi-1")
        assert enabled.status_code == 200, enabled.text
        # What it missed while disabled, and the 410'd one itself: it failed when the
        # endpoint began failing, though it was planned before.
        assert enabled.json()["requeued"] == 3
        detail = (await h.get(f"/v1/deliveries/{gone['delivery_id']}", "cvi-1")).json()
        since = datetime.fromisoformat(enabled.json()["since"])
        assert since == datetime.fromisoformat(detail["attempt_log"][0]["at"])

        async def recovered(expected: set[str]) -> bool:
            got = {d["event_id"] for d in await deliveries(h, "cvi-1", status="delivered")}
            return got == expected

        await eventually(lambda: recovered({gone_id, *missed}))
        bodies = [json.loads(r.body)["id"] for r in webhook_receiver.received("/hooks/cvi-1")]
        assert sorted(bodies[1:]) == sorted([gone_id, *missed])  # each once after the 410
        endpoint = (await h.get(f"/v1/endpoints/{endpoint_of('cvi-1')}", "cvi-1")).json()
        assert (endpoint["disabled_at"], endpoint["failing_since"]) == (None, None)
        back = await post(h, f"/v1/endpoints/{endpoint_of('cvi-1')}/recover", "cvi-1")
        assert back.json()["requeued"] == 0  # nothing left behind


async def test_one_hanging_endpoint_never_delays_the_others(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.hold("/hooks/slow-1")
    healthy = ("cvi-1", "cvi-2", "cvi-3")
    async with hub_with(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        "slow-1",
        *healthy,
        max_concurrent_deliveries=4,
        endpoint_max_concurrent=2,
        http_timeout_seconds=120,
    ) as h:
        events = [await publish(h, source_incident_id=f"CAD-{n}") for n in range(6)]

        async def healthy_done() -> bool:
            return all(len(webhook_receiver.received(f"/hooks/{p}")) == 6 for p in healthy)

        await eventually(healthy_done, timeout=30)
        # Every healthy delivery arrived while the slow endpoint still held its requests,
        # and it never had more than its lane's two in flight.
        assert webhook_receiver.received("/hooks/slow-1") == []
        assert webhook_receiver.most_waiting["/hooks/slow-1"] == 2

        webhook_receiver.release("/hooks/slow-1")
        await eventually(lambda: len(webhook_receiver.received("/hooks/slow-1")) == 6, timeout=30)
        got = {json.loads(r.body)["id"] for r in webhook_receiver.received("/hooks/slow-1")}
        assert got == set(events)


async def test_revisions_of_one_incident_reach_an_endpoint_in_order(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first("/hooks/cvi-1", 1)
    async with hub_with(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        "cvi-1",
        retry_schedule_seconds=[0.5] * 5,
    ) as h:
        await publish(h, source_incident_id="CAD-ORDER", revision=1)
        await eventually(lambda: webhook_receiver.received("/hooks/cvi-1"))
        # Revision 1 waits for its retry; 2 and 3 come in meanwhile, and another incident.
        for revision in (2, 3):
            await publish(h, source_incident_id="CAD-ORDER", revision=revision)
        other = await publish(h, source_incident_id="CAD-OTHER")

        await eventually(lambda: sum(r.answered == 200 for r in webhook_receiver.requests) == 4)
        sent = [
            (json.loads(r.body)["data"]["revision"], json.loads(r.body)["id"], r.answered)
            for r in webhook_receiver.received("/hooks/cvi-1")
        ]
        ordered = [(rev, code) for rev, event_id, code in sent if event_id != other]
        assert ordered == [(1, 500), (1, 200), (2, 200), (3, 200)]
        assert [code for _, event_id, code in sent if event_id == other] == [200]


async def test_during_a_secret_rotation_both_secrets_verify(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with hub_with(
        kafka_bootstrap, make_database("notifications"), webhook_receiver, "cvi-1"
    ) as h:
        old, new = h.secrets["cvi-1"], new_webhook_secret()
        await h.produce_applied(
            subscription(
                "cvi-1",
                ALERTS,
                url=webhook_receiver.url("/hooks/cvi-1"),
                secret=new,
                box=h.box,
                sequence=2,
            )
        )
        event_id = await publish(h)
        [request] = await eventually(lambda: webhook_receiver.received("/hooks/cvi-1"))
        signatures = request.headers["webhook-signature"].split(" ")
        assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
        for secret in (new, old):  # a receiver holding either one verifies
            assert Webhook(secret).verify(request.body, request.headers)["id"] == event_id
