"""Every intake route that takes an object id answers 404 to a partner who may not see it.

The table below lists each partner route with a path parameter; a route the app has and the
table lacks fails the suite, so a new route cannot slip in untested. For each one, partner A
makes the object through the real API, partner B (same grants, a full-scope key) calls the
route with its id and must get the same 404 problem as for an id that exists nowhere, the
object unchanged and the refusal audited; then A succeeds on the same route.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from fhir_examples import referral_bundle
from fhir_subscriptions import subscription
from intake_builders import RECIPIENT, TestPartner, make_partner, referral_body
from intake_harness import IntakeHarness

from cvihub_contracts import Stream
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_intake.app import create_app
from cvihub_intake.settings import IntakeSettings
from cvihub_testkit import broker_for_tests, databases_for_tests, eventually, running
from cvihub_testkit.route_matrix import assert_hidden, is_admin, served_routes, takes_an_id

pytestmark = pytest.mark.integration

ALL_STREAMS = (Stream.REFERRALS, Stream.INCIDENT_ALERTS, Stream.BULLETINS)


@dataclass(frozen=True)
class World:
    """Intake running for this module's tests, with two hospitals granted on every stream."""

    intake: IntakeHarness
    a: TestPartner
    b: TestPartner

    async def call(self, method: str, path: str, partner: TestPartner) -> httpx.Response:
        """Call a route as a partner."""
        return await self.intake.client.request(method, path, headers=partner.auth)


@dataclass(frozen=True)
class Case:
    """A partner route taking an object id: how A makes one, and A's status on the route."""

    method: str
    path: str
    param: str
    create: Callable[[World], Awaitable[str]]
    owner_status: int
    reason: str = "not the submitter"
    changes: bool = False
    """Whether A's own call changes the object (then A calls only after B was refused)."""


async def submitted_referral(world: World) -> str:
    """A submits a referral; its event id, once the relay has published it (a settled state)."""
    accepted = await world.intake.client.post(
        "/v1/referrals", json=referral_body(), headers=world.a.auth
    )
    assert accepted.status_code == 202, accepted.text
    event_id = str(accepted.json()["event_id"])

    async def published() -> bool:
        state = await world.call("GET", f"/v1/submissions/{event_id}", world.a)
        return state.status_code == 200 and state.json()["published"] is True

    await eventually(published, timeout=20)
    return event_id


async def finished_upload(world: World) -> str:
    """A uploads a one-row bulletin file; the upload's id, once the job has finished."""
    body = b"kind,title,summary,starts_at\r\nevent,Walk,A walk.,2027-03-01T10:00:00Z\r\n"
    posted = await world.intake.client.post(
        "/v1/uploads",
        content=body,
        params={"type": "bulletins"},
        headers={**world.a.auth, "Content-Type": "text/csv"},
    )
    assert posted.status_code == 202, posted.text
    upload_id = str(posted.json()["upload_id"])

    async def finished() -> bool:
        job = await world.call("GET", f"/v1/uploads/{upload_id}", world.a)
        return job.status_code == 200 and job.json()["status"] == "done"

    await eventually(finished, timeout=20)
    return upload_id


async def fhir_task(world: World) -> str:
    """A posts a FHIR referral Bundle; the Task's id, once the read model holds it."""
    posted = await world.intake.client.post(
        "/fhir",
        json=referral_bundle(RECIPIENT),
        headers={**world.a.auth, "Content-Type": "application/fhir+json"},
    )
    assert posted.status_code == 200, posted.text
    task_id = str(posted.json()["entry"][0]["response"]["location"]).removeprefix("Task/")

    async def readable() -> bool:
        found = await world.call("GET", f"/fhir/Task/{task_id}", world.a)
        return found.status_code == 200

    await eventually(readable, timeout=20)
    return task_id


async def fhir_subscription(world: World) -> str:
    """A subscribes to its Tasks (an endpoint on a public address, never called here)."""
    posted = await world.intake.client.post(
        "/fhir/Subscription",
        json=subscription("https://8.8.8.8/hooks/a"),
        headers={**world.a.auth, "Content-Type": "application/fhir+json"},
    )
    assert posted.status_code == 201, posted.text
    return str(posted.json()["id"])


TABLE = [
    Case("GET", "/v1/submissions/{event_id}", "event_id", submitted_referral, owner_status=200),
    Case(
        "GET",
        "/v1/uploads/{upload_id}",
        "upload_id",
        finished_upload,
        owner_status=200,
        reason="not the uploader",
    ),
    Case(
        "GET",
        "/v1/uploads/{upload_id}/report.csv",
        "upload_id",
        finished_upload,
        owner_status=200,
        reason="not the uploader",
    ),
    Case(
        "GET",
        "/fhir/Task/{task_id}",
        "task_id",
        fhir_task,
        owner_status=200,
        reason="not the requester or owner",
    ),
    Case(
        "GET",
        "/fhir/Subscription/{subscription_id}",
        "subscription_id",
        fhir_subscription,
        owner_status=200,
        reason="not the subscriber",
    ),
    Case(
        "GET",
        "/fhir/Subscription/{subscription_id}/$status",
        "subscription_id",
        fhir_subscription,
        owner_status=200,
        reason="not the subscriber",
    ),
    Case(
        "DELETE",
        "/fhir/Subscription/{subscription_id}",
        "subscription_id",
        fhir_subscription,
        owner_status=204,
        reason="not the subscriber",
        changes=True,
    ),
]


@pytest.fixture(scope="module")
async def world(
    _external_kafka: str | None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """One broker, database and running intake for every test of this module."""
    base = tmp_path_factory.mktemp("intake-cross-partner")
    with broker_for_tests(_external_kafka, base) as kafka, databases_for_tests(base) as databases:
        db = databases("intake")
        settings = IntakeSettings(
            kafka_bootstrap_servers=kafka,
            database_url=db.url,
            database_schema=db.schema,
            log_json=False,
            log_level="WARNING",
        )
        app = create_app(settings)
        async with running(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                intake = IntakeHarness(app=app, client=client, bootstrap=kafka)
                a = make_partner("hospital-a", publishes=ALL_STREAMS)
                b = make_partner("hospital-b", publishes=ALL_STREAMS)
                recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
                await intake.announce(a, b, recipient, recipients=(RECIPIENT,))
                yield World(intake=intake, a=a, b=b)


async def test_intake_every_partner_route_with_an_id_is_in_the_table(world: World) -> None:
    table = {(case.method, case.path) for case in TABLE}
    partner_routes = {
        (method, path)
        for method, path in served_routes(world.intake.app)
        if takes_an_id(path) and not is_admin(path)
    }
    assert partner_routes - table == set(), "partner routes with an id not in TABLE"
    assert table - partner_routes == set(), "TABLE names routes the app no longer has"


async def test_intake_admin_routes_refuse_partner_keys(world: World) -> None:
    admin_routes = {route for route in served_routes(world.intake.app) if is_admin(route[1])}
    assert admin_routes == {("POST", "/v1/admin/replay")}
    body = {"stream": "referrals", "since": "2026-01-01T00:00:00Z"}
    for partner in (world.a, world.b):
        refused = await world.intake.client.post(
            "/v1/admin/replay", json=body, headers=partner.auth
        )
        assert refused.status_code == 401, refused.text
    nobody = await world.intake.client.post("/v1/admin/replay", json=body)
    assert nobody.status_code == 401


@pytest.mark.parametrize("case", TABLE, ids=lambda case: f"{case.method} {case.path}")
async def test_intake_another_partners_object_is_a_404_and_stays_as_it_was(
    world: World, case: Case
) -> None:
    object_id = await case.create(world)
    path = case.path.format(**{case.param: object_id})
    before = None if case.changes else await world.call(case.method, path, world.a)
    if before is not None:
        assert before.status_code == case.owner_status, before.text
    outbox = await world.intake.outbox_count()
    audited = await refusals_of(world, world.b.partner_id)

    refused = await world.call(case.method, path, world.b)
    missing = await world.call(
        case.method, case.path.format(**{case.param: uuid.uuid4().hex}), world.b
    )

    assert_hidden(refused, missing)
    after = await world.call(case.method, path, world.a)
    assert after.status_code == case.owner_status, after.text
    if before is not None:
        assert after.text == before.text
    if case.param == "event_id":
        assert after.json()["event_id"] == object_id
    assert await world.intake.outbox_count() == outbox
    # One refusal audited for B's reach into A's object; the unknown id is no refusal.
    [refusal] = (await refusals_of(world, world.b.partner_id))[len(audited) :]
    assert (refusal.resource, refusal.status_code) == (object_id, 404)
    assert refusal.action == f"{case.method} {case.path}"
    assert refusal.reason == case.reason
    assert refusal.credential_id == world.b.credential_id


async def refusals_of(world: World, partner_id: str) -> list[AccessRefusedV1]:
    """The refusals of a partner intake published for the audit chain, oldest first."""
    events = await world.intake.audit_events(seconds=0.5)
    return [event.data for event in events if event.data.partner_id == partner_id]
