"""Every referrals route that takes an object id answers 404 to a partner who may not see it.

The table below lists each partner route with a path parameter; a route the app has and the
table lacks fails the suite, so a new route cannot slip in untested. For each one, a referral
reaches the service the real way (a submitted event on the broker), an unrelated partner with a
full-scope key and the same grants calls the route with its id and must get the same 404
problem as for an id that exists nowhere, the referral unchanged and the refusal audited; then
the party the route is for succeeds on it.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from referrals_builders import (
    CVI_ORG,
    HOSPITAL,
    OTHER_ORG,
    auth,
    make_settings,
    standard_partners,
    submitted_event,
)
from sqlalchemy import select

from cvihub_contracts import (
    GrantAction,
    KafkaRecord,
    Stream,
    from_kafka,
    new_event,
    service_source,
    to_kafka,
    topics,
)
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_contracts.registry.changes_v1 import EntityStatus, GrantChangedV1
from cvihub_referrals.app import create_app
from cvihub_referrals.models import outbox
from cvihub_runtime.outbox import open_payload
from cvihub_testkit import (
    broker_for_tests,
    databases_for_tests,
    eventually,
    produce,
    running,
)
from cvihub_testkit.route_matrix import assert_hidden, is_admin, served_routes, takes_an_id

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Case:
    """A partner route taking a referral id, the party it is for, and a legitimate body."""

    method: str
    path: str
    party: str
    body: dict[str, Any] | None
    changes: bool  # whether the party's own call changes the referral
    accepted: bool = False  # whether the route needs an accepted referral


TABLE = [
    Case("GET", "/v1/referrals/{referral_id}", CVI_ORG, None, changes=False),
    Case("POST", "/v1/referrals/{referral_id}/accept", CVI_ORG, {"note": "on it"}, changes=True),
    Case(
        "POST",
        "/v1/referrals/{referral_id}/decline",
        CVI_ORG,
        {"reason": "declined-by-client", "note": "moved away"},
        changes=True,
    ),
    Case(
        "POST",
        "/v1/referrals/{referral_id}/status",
        HOSPITAL,
        {"status": "canceled", "reason": "no-longer-needed", "note": "discharged elsewhere"},
        changes=True,
    ),
    Case(
        "POST",
        "/v1/referrals/{referral_id}/attempts",
        CVI_ORG,
        {"occurred_at": "2024-05-02T10:00:00Z", "method": "phone", "outcome": "no-answer"},
        changes=True,
        accepted=True,
    ),
    Case(
        "POST",
        "/v1/referrals/{referral_id}/services",
        CVI_ORG,
        {"service_type": "mentoring", "service_date": "2024-05-03"},
        changes=True,
        accepted=True,
    ),
    # A case note changes nothing the referrer reads: that is the point of it.
    Case("POST", "/v1/referrals/{referral_id}/notes", CVI_ORG, {"note": "met mum"}, changes=False),
]


@dataclass(frozen=True)
class World:
    """The running service, shared by this module's tests, its three partners known."""

    app: FastAPI
    client: httpx.AsyncClient
    kafka: str

    async def call(
        self, method: str, path: str, partner_id: str, body: dict[str, Any] | None
    ) -> httpx.Response:
        """Call a route as a partner (full-scope key)."""
        return await self.client.request(method, path, json=body, headers=auth(partner_id))

    async def new_referral(self, *, accepted: bool = False) -> str:
        """A fresh referral from HOSPITAL to CVI_ORG, submitted as intake would; its id."""
        submitted = submitted_event()
        referral_id = str(submitted.data.referral_id)
        await produce(self.kafka, to_kafka(submitted))

        async def stored() -> bool:
            found = await self.call("GET", f"/v1/referrals/{referral_id}", CVI_ORG, None)
            return found.status_code == 200

        await eventually(stored, timeout=20)
        if accepted:
            path = f"/v1/referrals/{referral_id}/accept"
            assert (await self.call("POST", path, CVI_ORG, {})).status_code == 200
        return referral_id

    async def state(self, referral_id: str) -> dict[str, Any]:
        """The referral as its referrer reads it: status, version and history."""
        found = await self.call("GET", f"/v1/referrals/{referral_id}", HOSPITAL, None)
        assert found.status_code == 200, found.text
        body: dict[str, Any] = found.json()
        return body

    async def refusals_of(self, partner_id: str) -> list[AccessRefusedV1]:
        """The refusals of a partner the service stored for the audit chain, oldest first."""
        query = select(outbox.c.headers, outbox.c.key, outbox.c.value)
        query = query.where(outbox.c.topic == topics.AUDIT).order_by(outbox.c.id)
        async with self.app.state.hosting.sessions() as session:
            rows = (await session.execute(query)).all()
        found = []
        for row in rows:
            headers = {name: value.encode() for name, value in row.headers.items()}
            data = from_kafka(headers, row.key, open_payload(session, row.value)).data
            assert isinstance(data, AccessRefusedV1)
            if data.partner_id == partner_id:
                found.append(data)
        return found


def referral_grants() -> list[KafkaRecord]:
    """The hospital publishes referrals; both CVI organisations may receive them."""
    grants = [(HOSPITAL, GrantAction.PUBLISH)]
    grants += [(partner, GrantAction.SUBSCRIBE) for partner in (CVI_ORG, OTHER_ORG)]
    return [
        to_kafka(
            new_event(
                GrantChangedV1(
                    grant_id=f"grant-{partner}-{action.value}",
                    partner_id=partner,
                    stream=Stream.REFERRALS,
                    action=action,
                    sequence=1,
                    changed_at=datetime.now(UTC),
                    status=EntityStatus.ACTIVE,
                ),
                source=service_source("registry"),
            )
        )
        for partner, action in grants
    ]


@pytest.fixture(scope="module")
async def world(
    _external_kafka: str | None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """One broker, database and running service for every test of this module."""
    base = tmp_path_factory.mktemp("referrals-cross-partner")
    with broker_for_tests(_external_kafka, base) as kafka, databases_for_tests(base) as databases:
        db = databases("referrals")
        app = create_app(make_settings(kafka, db.url, db.schema))
        await produce(kafka, *standard_partners(), *referral_grants())
        transport = httpx.ASGITransport(app=app)
        async with (
            running(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            world = World(app=app, client=client, kafka=kafka)

            async def all_keys_work() -> bool:
                for partner in (HOSPITAL, CVI_ORG, OTHER_ORG):
                    listed = await world.call("GET", "/v1/referrals", partner, None)
                    if listed.status_code != 200:
                        return False
                return True

            await eventually(all_keys_work, timeout=30)
            yield world


async def test_referrals_every_partner_route_with_an_id_is_in_the_table(world: World) -> None:
    table = {(case.method, case.path) for case in TABLE}
    partner_routes = {
        (method, path)
        for method, path in served_routes(world.app)
        if takes_an_id(path) and not is_admin(path)
    }
    assert partner_routes - table == set(), "partner routes with an id not in TABLE"
    assert table - partner_routes == set(), "TABLE names routes the app no longer has"


async def test_referrals_has_no_admin_routes(world: World) -> None:
    # An admin route here would need its own check that partner keys are refused.
    assert {route for route in served_routes(world.app) if is_admin(route[1])} == set()


@pytest.mark.parametrize("case", TABLE, ids=lambda case: f"{case.method} {case.path}")
async def test_referrals_another_partners_referral_is_a_404_and_stays_as_it_was(
    world: World, case: Case
) -> None:
    referral_id = await world.new_referral(accepted=case.accepted)
    before = await world.state(referral_id)
    audited = len(await world.refusals_of(OTHER_ORG))
    path = case.path.format(referral_id=referral_id)

    refused = await world.call(case.method, path, OTHER_ORG, case.body)
    missing = await world.call(
        case.method, case.path.format(referral_id=uuid.uuid4()), OTHER_ORG, case.body
    )

    assert_hidden(refused, missing)
    assert await world.state(referral_id) == before
    # Audited, as another partner's referral is (an id that exists nowhere is not).
    [refusal] = (await world.refusals_of(OTHER_ORG))[audited:]
    assert (refusal.resource, refusal.status_code) == (referral_id, 404)
    assert refusal.action == f"{case.method} {case.path}"
    allowed = await world.call(case.method, path, case.party, case.body)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["referral_id"] == referral_id
    # The party's own call does change a referral that changing routes change: so the
    # unchanged state above is no artefact of a state that never moves.
    assert (await world.state(referral_id) != before) is case.changes


LISTS = {
    "/v1/referrals": (HOSPITAL, CVI_ORG),
    "/v1/referrals/inbox": (CVI_ORG,),
    "/v1/referrals/sent": (HOSPITAL,),
}
"""Every partner route that lists referrals, and which party's list shows a new referral."""


async def test_referrals_every_list_shows_a_referral_to_its_parties_only(world: World) -> None:
    served = {
        path
        for method, path in served_routes(world.app)
        if method == "GET" and path.startswith("/v1/") and not takes_an_id(path)
    }
    assert served == set(LISTS) | {AGGREGATES}, "a partner GET route not in LISTS (or gone)"
    referral_id = await world.new_referral()
    for path, parties in LISTS.items():
        for partner in (HOSPITAL, CVI_ORG, OTHER_ORG):
            listed = await world.call("GET", path, partner, None)
            assert listed.status_code == 200, listed.text
            shown = referral_id in {item["referral_id"] for item in listed.json()}
            assert shown is (partner in parties), (path, partner)


AGGREGATES = "/v1/aggregates"


async def test_referrals_aggregates_show_a_partner_its_own_organisation_only(world: World) -> None:
    referral_id = await world.new_referral()
    own = await world.call("GET", AGGREGATES, CVI_ORG, None)
    sender = await world.call("GET", AGGREGATES, HOSPITAL, None)
    other = await world.call("GET", AGGREGATES, OTHER_ORG, None)
    for response in (own, sender, other):
        assert response.status_code == 200, response.text
        assert response.json()["scope"] == "own"
        assert referral_id not in response.text
    assert set(own.json()["by_organisation"]) == {CVI_ORG}
    assert set(sender.json()["by_organisation"]) == {CVI_ORG}  # what it sent, by recipient
    assert other.json()["by_organisation"] == {}
    # Fewer than 11 referrals here: every count of them is suppressed.
    assert own.json()["by_organisation"][CVI_ORG]["total"] is None
