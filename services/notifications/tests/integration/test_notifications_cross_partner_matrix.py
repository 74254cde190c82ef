"""Every notifications route that takes an object id answers 404 to a partner who may not see it.

The table below lists each partner route with a path parameter; a route the app has and the
table lacks fails the suite, so a new route cannot slip in untested. For each one, an alert
reaches partner A the real way (an event on the broker, planned into A's webhook delivery and
inbox item); partner B, holding the same grant, the same endpoints and a full-scope key, calls
the route with A's id and must get the same 404 problem as for an id that exists nowhere, A's
object unchanged and the refusal audited; then A succeeds on the same route.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
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
from cvihub_runtime.outbox import open_payload
from cvihub_testkit import (
    broker_for_tests,
    databases_for_tests,
    eventually,
    produce,
)
from cvihub_testkit.route_matrix import assert_hidden, is_admin, served_routes, takes_an_id
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

ALERTS = Stream.INCIDENT_ALERTS
POLICE, A, B = "police-1", "cvi-a", "cvi-b"
ADMIN_TOKEN = "matrix-admin-token-0123456789abcdef"


@dataclass(frozen=True)
class World:
    """The running service for this module's tests: police publish, A and B receive."""

    hub: Hub

    async def call(self, method: str, path: str, partner_id: str) -> httpx.Response:
        """Call a route as a partner (full-scope key)."""
        headers = {"Authorization": f"Bearer {self.hub.keys[partner_id]}"}
        return await self.hub.client.request(method, path, headers=headers)

    async def published_alert(self) -> str:
        """The police publish an alert (as intake would); its event id."""
        event = new_event(make_alert(), source=partner_source(POLICE))
        await produce(self.hub.kafka, to_kafka(event))
        return event.envelope.id

    async def delivery_of(
        self, partner_id: str, event_id: str, channel: Channel, status: str = "delivered"
    ) -> str:
        """The id of the partner's delivery of an event on a channel, once it has `status`."""

        async def delivered() -> str | None:
            listed = await self.call("GET", f"/v1/deliveries?event_id={event_id}", partner_id)
            assert listed.status_code == 200, listed.text
            for item in listed.json()["items"]:
                if item["channel"] == channel.value and item["status"] == status:
                    return str(item["delivery_id"])
            return None

        found: str = await eventually(delivered, timeout=20)
        return found

    async def refusals_of(self, partner_id: str) -> list[AccessRefusedV1]:
        """The refusals of a partner the service stored for the audit chain, oldest first."""
        query = select(outbox.c.headers, outbox.c.key, outbox.c.value)
        query = query.where(outbox.c.topic == topics.AUDIT).order_by(outbox.c.id)
        async with self.hub.app.state.hosting.sessions() as session:
            rows = (await session.execute(query)).all()
        found = []
        for row in rows:
            headers = {name: value.encode() for name, value in row.headers.items()}
            data = from_kafka(headers, row.key, open_payload(session, row.value)).data
            assert isinstance(data, AccessRefusedV1)
            if data.partner_id == partner_id:
                found.append(data)
        return found


async def webhook_delivery(world: World) -> str:
    """A's webhook delivery of a new alert, delivered (a settled state)."""
    event_id = await world.published_alert()
    return await world.delivery_of(A, event_id, Channel.WEBHOOK)


def a_webhook() -> str:
    """A's webhook subscription (from onboard) and its receiver path."""
    return f"sub-{A}-{ALERTS.value}"


async def webhook_endpoint(world: World) -> str:
    """A's webhook endpoint, once a new alert reached it (a settled state)."""
    await webhook_delivery(world)
    return a_webhook()


async def settled(world: World) -> None:
    """Wait until A has nothing pending (a case before may have resent a delivery), so the
    failing answer set next goes to the new alert's delivery."""

    async def nothing_pending() -> bool:
        listed = await world.call("GET", "/v1/deliveries?status=pending", A)
        return listed.status_code == 200 and listed.json()["items"] == []

    await eventually(nothing_pending, timeout=20)


async def failed_endpoint(world: World) -> str:
    """A's webhook endpoint with a dead letter: the alert's only attempt answered 500."""
    await settled(world)
    world.hub.receiver.fail_first(f"/hooks/{A}", 1)
    event_id = await world.published_alert()
    await world.delivery_of(A, event_id, Channel.WEBHOOK, status="failed")
    return a_webhook()


async def disabled_endpoint(world: World) -> str:
    """A's webhook endpoint disabled by a 410 Gone answer."""
    await settled(world)
    world.hub.receiver.fail_first(f"/hooks/{A}", 1, status=410)
    event_id = await world.published_alert()
    await world.delivery_of(A, event_id, Channel.WEBHOOK, status="failed")
    return a_webhook()


async def notice(world: World) -> str:
    """A's notice of a delivery given up (the alert's only attempt answered 500)."""
    await settled(world)
    world.hub.receiver.fail_first(f"/hooks/{A}", 1)
    event_id = await world.published_alert()
    delivery_id = await world.delivery_of(A, event_id, Channel.WEBHOOK, status="failed")

    async def noticed() -> str | None:
        listed = await world.call("GET", "/v1/notices", A)
        assert listed.status_code == 200, listed.text
        for item in listed.json()["items"]:
            if item["delivery_id"] == delivery_id:
                return str(item["notice_id"])
        return None

    found: str = await eventually(noticed, timeout=20)
    return found


async def inbox_item(world: World) -> str:
    """A's inbox item of a new alert, unread."""
    event_id = await world.published_alert()
    return await world.delivery_of(A, event_id, Channel.INBOX)


@dataclass(frozen=True)
class Case:
    """A partner route taking an object id, how A comes to own one, and how to read it back."""

    method: str
    path: str
    param: str
    create: Callable[[World], Awaitable[str]]
    state_path: str  # where A reads the object back
    changes: bool  # whether A's own call changes the object


TABLE = [
    Case(
        "GET",
        "/v1/deliveries/{delivery_id}",
        "delivery_id",
        webhook_delivery,
        state_path="/v1/deliveries/{id}",
        changes=False,
    ),
    Case(
        "POST",
        "/v1/deliveries/{delivery_id}/resend",
        "delivery_id",
        webhook_delivery,
        state_path="/v1/deliveries/{id}",
        changes=True,
    ),
    Case(
        "GET",
        "/v1/endpoints/{subscription_id}",
        "subscription_id",
        webhook_endpoint,
        state_path="/v1/endpoints/{id}",
        changes=False,
    ),
    Case(
        "POST",
        "/v1/endpoints/{subscription_id}/recover",
        "subscription_id",
        failed_endpoint,
        state_path="/v1/endpoints/{id}",
        changes=True,
    ),
    Case(
        "POST",
        "/v1/endpoints/{subscription_id}/enable",
        "subscription_id",
        disabled_endpoint,
        state_path="/v1/endpoints/{id}",
        changes=True,
    ),
    Case(
        "GET",
        "/v1/notices/{notice_id}",
        "notice_id",
        notice,
        state_path="/v1/notices/{id}",
        changes=False,
    ),
    Case(
        "GET",
        "/v1/inbox/{item_id}",
        "item_id",
        inbox_item,
        state_path="/v1/inbox/{id}",
        changes=False,
    ),
    Case(
        "POST",
        "/v1/inbox/{item_id}/read",
        "item_id",
        inbox_item,
        state_path="/v1/inbox/{id}",
        changes=True,
    ),
]


@pytest.fixture(scope="module")
async def world(
    _external_kafka: str | None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """One broker, database, webhook receiver and running service for this module's tests."""
    base = tmp_path_factory.mktemp("notifications-cross-partner")
    receiver = WebhookReceiver()
    await receiver.start()
    try:
        with (
            broker_for_tests(_external_kafka, base) as kafka,
            databases_for_tests(base) as databases,
        ):
            # One attempt only: a failing answer makes a dead letter at once.
            async with running_hub(
                kafka,
                databases("notifications"),
                receiver,
                retry_schedule_seconds=[],
                admin_token=ADMIN_TOKEN,
            ) as hub:
                subscribe = (ALERTS, GrantAction.SUBSCRIBE)
                await hub.onboard(
                    POLICE, PartnerKind.POLICE, grants=[(ALERTS, GrantAction.PUBLISH)]
                )
                for partner_id in (A, B):
                    # A webhook (from onboard) and an inbox each, on the granted stream.
                    await hub.onboard(
                        partner_id, PartnerKind.CVI_ORG, grants=[subscribe], endpoints=[ALERTS]
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
                yield World(hub=hub)
    finally:
        await receiver.stop()


async def test_notifications_every_partner_route_with_an_id_is_in_the_table(
    world: World,
) -> None:
    table = {(case.method, case.path) for case in TABLE}
    partner_routes = {
        (method, path)
        for method, path in served_routes(world.hub.app)
        if takes_an_id(path) and not is_admin(path)
    }
    assert partner_routes - table == set(), "partner routes with an id not in TABLE"
    assert table - partner_routes == set(), "TABLE names routes the app no longer has"


async def test_notifications_admin_routes_refuse_every_partner_key(world: World) -> None:
    admin_routes = {route for route in served_routes(world.hub.app) if is_admin(route[1])}
    assert admin_routes == {("GET", "/v1/admin/notices")}  # a new one must be added here
    await notice(world)  # there is something to list
    for partner_id in (A, B):
        refused = await world.call("GET", "/v1/admin/notices", partner_id)
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    allowed = await world.hub.client.get("/v1/admin/notices", headers=admin)
    assert allowed.status_code == 200, allowed.text
    assert {item["partner_id"] for item in allowed.json()["items"]} == {A}


@pytest.mark.parametrize("case", TABLE, ids=lambda case: f"{case.method} {case.path}")
async def test_notifications_another_partners_object_is_a_404_and_stays_as_it_was(
    world: World, case: Case
) -> None:
    object_id = await case.create(world)
    path = case.path.format(**{case.param: object_id})

    async def state() -> dict[str, Any]:
        found = await world.call("GET", case.state_path.format(id=object_id), A)
        assert found.status_code == 200, found.text
        body: dict[str, Any] = found.json()
        return body

    before = await state()
    audited = len(await world.refusals_of(B))
    refused = await world.call(case.method, path, B)
    missing = await world.call(case.method, case.path.format(**{case.param: uuid.uuid4()}), B)

    assert_hidden(refused, missing)
    assert await state() == before
    # Audited, as another partner's object is (an id that exists nowhere is not).
    [refusal] = (await world.refusals_of(B))[audited:]
    assert (refusal.resource, refusal.status_code) == (object_id, 404)
    assert refusal.action == f"{case.method} {case.path}"
    allowed = await world.call(case.method, path, A)
    assert allowed.status_code == 200, allowed.text
    answered = allowed.json()
    keys = ("delivery_id", "item_id", "subscription_id", "notice_id")
    assert object_id in {answered.get(k) for k in keys}
    # A's own call does change an object that changing routes change: so the unchanged
    # state above is no artefact of a state that never moves.
    assert (await state() != before) is case.changes
