"""Every registry route that takes an object id answers 404 to a partner who may not see it.

The table below lists each partner route with a path parameter; a route the app has and the
table lacks fails the suite, so a new route cannot slip in untested. For each one, partner A
makes the object through the real API; partner B (the same grants, a full-scope key, and a
partner_admin of its own where people are managed) calls the route with A's id and must get
the same 404 problem as for an id that exists nowhere, A's object unchanged and the refusal
audited; then A succeeds on the same route. Every admin route, whatever its path, refuses B's
valid key and a call without credentials, and changes nothing.
"""

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from registry_builders import admin, bearer, make_settings, partner_body, serving
from registry_people_builders import person_body, sign_in

from cvihub_registry.app import create_app
from cvihub_runtime.problems import PROBLEM_JSON
from cvihub_testkit import broker_for_tests, databases_for_tests
from cvihub_testkit.route_matrix import (
    assert_hidden,
    is_admin,
    served_routes,
    takes_an_id,
)

pytestmark = pytest.mark.integration

A, B, RECIPIENT = "hospital-a", "hospital-b", "cvi-c"
KEY, SESSION = "API key", "partner_admin session"


@dataclass
class Account:
    """A partner as the tests see it: its full-scope key and, for B, a partner_admin session."""

    partner_id: str
    api_key: str
    credential_id: str
    admin_session: str | None = None
    admin_person_id: str | None = None
    grant_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class World:
    """The running registry for this module's tests, with partners A, B and a recipient."""

    app: FastAPI
    client: httpx.AsyncClient
    a: Account
    b: Account

    def as_b(self, caller: str) -> dict[str, str]:
        """B's headers, with its API key or its partner_admin's session."""
        token = self.b.api_key if caller == KEY else self.b.admin_session
        assert token is not None
        return bearer(token)

    async def as_a(self, method: str, path: str, **body: Any) -> dict[str, Any]:
        """A's call that must succeed; its JSON body."""
        response = await self.client.request(
            method, path, json=body or None, headers=bearer(self.a.api_key)
        )
        assert response.status_code in {200, 201}, response.text
        found: dict[str, Any] = response.json()
        return found

    async def refusals_by(self, *actors: str) -> list[dict[str, Any]]:
        """Every access.refused audit entry by these actors, oldest first."""
        found = await self.client.get(
            "/v1/admin/audit", params={"action": "access.refused", "limit": 1000}, headers=admin()
        )
        assert found.status_code == 200, found.text
        return [e for e in reversed(found.json()) if e["actor"] in actors]


@dataclass(frozen=True)
class Made:
    """An object of A's: its id in the route, and how A reads it back."""

    object_id: str
    state: Callable[[], Awaitable[Any]]


async def a_list(world: World, path: str) -> list[dict[str, Any]]:
    """A list A reads with its key."""
    response = await world.client.get(path, headers=bearer(world.a.api_key))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def a_listed(world: World, path: str, key: str, object_id: str) -> dict[str, Any]:
    """The one entry of a list A reads whose `key` is `object_id`."""
    [entry] = [e for e in await a_list(world, path) if e[key] == object_id]
    return entry


async def a_subscription(world: World) -> Made:
    """A adds a webhook endpoint on a stream it holds a subscribe grant on."""
    url = f"https://{A}.example/hooks/{uuid.uuid4().hex}"
    made = await world.as_a("POST", "/v1/partners/me/subscriptions", stream="bulletins", url=url)
    sub_id = str(made["subscription_id"])
    return Made(
        sub_id,
        lambda: a_listed(world, "/v1/partners/me/subscriptions", "subscription_id", sub_id),
    )


async def a_key(world: World) -> Made:
    """A issues itself another key."""
    credential_id = str((await world.as_a("POST", "/v1/partners/me/keys"))["credential_id"])
    return Made(
        credential_id,
        lambda: a_listed(world, "/v1/partners/me/keys", "credential_id", credential_id),
    )


async def a_person(world: World) -> Made:
    """A adds a person."""
    email = f"p-{uuid.uuid4().hex[:12]}@{A}.example.org"
    made = await world.as_a("POST", "/v1/partners/me/people", **person_body(email=email))
    person_id = str(made["person_id"])
    return Made(person_id, lambda: world.as_a("GET", f"/v1/partners/me/people/{person_id}"))


@dataclass(frozen=True)
class SignedIn:
    """A person of A's, signed in on one device."""

    person_id: str
    session_id: str


async def a_signed_in_person(world: World) -> SignedIn:
    """A adds a person, who signs in with an e-mailed code."""
    email = f"s-{uuid.uuid4().hex[:12]}@{A}.example.org"
    made = await world.as_a("POST", "/v1/partners/me/people", **person_body(email=email))
    session = await sign_in(world.client, email, device="Field phone")
    return SignedIn(person_id=str(made["person_id"]), session_id=str(session["session_id"]))


async def a_persons_sessions(world: World) -> Made:
    """A's signed-in person, named by person id; state: their sessions."""
    signed_in = await a_signed_in_person(world)
    path = f"/v1/partners/me/people/{signed_in.person_id}/sessions"
    return Made(signed_in.person_id, lambda: a_list(world, path))


async def a_session(world: World) -> Made:
    """A's person's device session, named by session id; state: the person's sessions."""
    signed_in = await a_signed_in_person(world)
    path = f"/v1/partners/me/people/{signed_in.person_id}/sessions"
    return Made(signed_in.session_id, lambda: a_list(world, path))


async def a_consent(world: World) -> Made:
    """A (holding a referrals publish grant) records a consent covering the recipient only."""
    made = await world.as_a(
        "POST",
        "/v1/consents",
        recipient_partner_ids=[RECIPIENT],
        scope=["contact"],
        purpose="violence intervention referral",
        given_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat(),
    )
    consent_id = str(made["consent_id"])
    return Made(consent_id, lambda: world.as_a("GET", f"/v1/consents/{consent_id}"))


@dataclass(frozen=True)
class Case:
    """A partner route taking an object id: how A makes one, and the call A may make."""

    method: str
    path: str
    create: Callable[[World], Awaitable[Made]]
    body: dict[str, Any] | None
    owner_status: int
    changes: bool  # whether A's own call changes the object
    callers: tuple[str, ...] = (KEY,)  # B's credentials the route takes


PEOPLE_CALLERS = (KEY, SESSION)
TABLE = [
    Case(
        "DELETE",
        "/v1/partners/me/subscriptions/{subscription_id}",
        a_subscription,
        None,
        204,
        changes=True,
    ),
    Case("DELETE", "/v1/partners/me/keys/{credential_id}", a_key, None, 204, changes=True),
    Case(
        "GET",
        "/v1/partners/me/people/{person_id}",
        a_person,
        None,
        200,
        changes=False,
        callers=PEOPLE_CALLERS,
    ),
    Case(
        "PATCH",
        "/v1/partners/me/people/{person_id}",
        a_person,
        {"status": "disabled", "display_name": "Taken over"},
        200,
        changes=True,
        callers=PEOPLE_CALLERS,
    ),
    Case(
        "GET",
        "/v1/partners/me/people/{person_id}/sessions",
        a_persons_sessions,
        None,
        200,
        changes=False,
        callers=PEOPLE_CALLERS,
    ),
    Case(
        "DELETE",
        "/v1/partners/me/sessions/{session_id}",
        a_session,
        None,
        204,
        changes=True,
        callers=PEOPLE_CALLERS,
    ),
    Case("GET", "/v1/consents/{consent_id}", a_consent, None, 200, changes=False),
    Case(
        "POST",
        "/v1/consents/{consent_id}/withdraw",
        a_consent,
        {"reason": "the patient asked"},
        200,
        changes=True,
    ),
]


async def _account(client: httpx.AsyncClient, partner_id: str, kind: str) -> Account:
    body = partner_body(partner_id=partner_id, name=f"Org {partner_id}", kind=kind)
    body["contact_email"] = f"ops@{partner_id}.example.org"
    created = await client.post("/v1/admin/partners", json=body, headers=admin())
    assert created.status_code == 201, created.text
    key = await client.post(f"/v1/admin/partners/{partner_id}/keys", headers=admin())
    assert key.status_code == 201, key.text
    return Account(partner_id, str(key.json()["api_key"]), str(key.json()["credential_id"]))


async def _grant(client: httpx.AsyncClient, account: Account, stream: str, action: str) -> None:
    grant = {"partner_id": account.partner_id, "stream": stream, "action": action}
    made = await client.post("/v1/admin/grants", json=grant, headers=admin())
    assert made.status_code == 201, made.text
    account.grant_ids.append(str(made.json()["grant_id"]))


@pytest.fixture(scope="module")
async def world(
    _external_kafka: str | None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """One broker, database and running registry for every test of this module."""
    base = tmp_path_factory.mktemp("registry-cross-partner")
    with broker_for_tests(_external_kafka, base) as kafka, databases_for_tests(base) as databases:
        # INFO, as every registry test: loggers cache their level on first use in the process,
        # so a quieter level here would silence the log checks of later tests in this worker.
        app = create_app(make_settings(kafka, databases("registry")))
        async with serving(app) as client:
            a = await _account(client, A, "hospital")
            b = await _account(client, B, "hospital")
            await _account(client, RECIPIENT, "cvi_org")
            # The same grants for both: B's calls are refused for the object, not the stream.
            for account in (a, b):
                await _grant(client, account, "referrals", "publish")
                await _grant(client, account, "bulletins", "subscribe")
            lead = f"lead@{B}.example.org"
            person = await client.post(
                f"/v1/admin/partners/{B}/people",
                json=person_body(email=lead, role="partner_admin"),
                headers=admin(),
            )
            assert person.status_code == 201, person.text
            b.admin_person_id = str(person.json()["person_id"])
            b.admin_session = str((await sign_in(client, lead))["session_token"])
            yield World(app=app, client=client, a=a, b=b)


def _param(path: str) -> str:
    [name] = re.findall(r"\{([^}]+)\}", path)
    return str(name)


async def test_registry_every_partner_route_with_an_id_is_in_the_table(world: World) -> None:
    table = {(case.method, case.path) for case in TABLE}
    partner_routes = {
        (method, path)
        for method, path in served_routes(world.app)
        if takes_an_id(path) and not is_admin(path)
    }
    assert partner_routes - table == set(), "partner routes with an id not in TABLE"
    assert table - partner_routes == set(), "TABLE names routes the app no longer has"


@pytest.mark.parametrize(
    ("case", "caller"),
    [(case, caller) for case in TABLE for caller in case.callers],
    ids=lambda value: f"{value.method} {value.path}" if isinstance(value, Case) else value,
)
async def test_registry_another_partners_object_is_a_404_and_stays_as_it_was(
    world: World, case: Case, caller: str
) -> None:
    made = await case.create(world)
    name = _param(case.path)
    path = case.path.format(**{name: made.object_id})
    before = await made.state()
    actors = (B, world.b.admin_person_id or B)
    audited = len(await world.refusals_by(*actors))

    refused = await world.client.request(
        case.method, path, json=case.body, headers=world.as_b(caller)
    )
    missing = await world.client.request(
        case.method,
        case.path.format(**{name: uuid.uuid4().hex}),
        json=case.body,
        headers=world.as_b(caller),
    )

    assert_hidden(refused, missing)
    assert await made.state() == before
    # Audited, as another partner's object is (an id that exists nowhere is not).
    [refusal] = (await world.refusals_by(*actors))[audited:]
    assert refusal["detail"]["reason"] in {"not-owner", "not-a-party"}
    allowed = await world.client.request(
        case.method, path, json=case.body, headers=bearer(world.a.api_key)
    )
    assert allowed.status_code == case.owner_status, allowed.text
    # A's own call does change an object that changing routes change: so the unchanged
    # state above is no artefact of a state that never moves.
    assert (await made.state() != before) is case.changes


async def _admin_view(world: World, *more: str) -> list[Any]:
    """What the admin API shows of everyone's partners, keys, grants, endpoints and people."""
    views = []
    for path in (
        *more,
        "/v1/admin/partners",
        f"/v1/admin/partners/{A}/keys",
        f"/v1/admin/partners/{B}/keys",
        "/v1/admin/grants",
        "/v1/admin/subscriptions",
        "/v1/admin/consents",
        f"/v1/admin/partners/{A}/people",
    ):
        found = await world.client.get(path, headers=admin())
        assert found.status_code == 200, (path, found.text)
        views.append(found.json())
    return views


async def test_registry_every_admin_route_refuses_a_partner_key_and_no_credential(
    world: World,
) -> None:
    # Real ids of A's where a route names one, so a refusal is never a mere "not found".
    subscription, consent = await a_subscription(world), await a_consent(world)
    signed_in = await a_signed_in_person(world)
    ids = {
        "partner_id": A,
        "credential_id": world.a.credential_id,
        "grant_id": world.a.grant_ids[0],
        "subscription_id": subscription.object_id,
        "consent_id": consent.object_id,
        "person_id": signed_in.person_id,
        "session_id": signed_in.session_id,
    }
    assert (await world.client.get("/v1/partners/me", headers=world.as_b(KEY))).status_code == 200
    admin_routes = sorted(r for r in served_routes(world.app) if is_admin(r[1]))
    assert ("DELETE", "/v1/admin/keys/{credential_id}") in admin_routes
    sessions = f"/v1/admin/people/{signed_in.person_id}/sessions"
    before = await _admin_view(world, sessions)

    answers = []
    for method, template in admin_routes:
        path = re.sub(r"\{([^}]+)\}", lambda m: ids.get(m.group(1), "no-such-id"), template)
        body: dict[str, Any] | None = {} if method in {"POST", "PUT", "PATCH"} else None
        for caller, headers in (("partner key", world.as_b(KEY)), ("no credential", {})):
            response = await world.client.request(method, path, json=body, headers=headers)
            answers.append((method, template, caller, response))

    wrong = [
        (method, template, caller, response.status_code)
        for method, template, caller, response in answers
        if response.status_code != 401
        or response.headers.get("content-type") != PROBLEM_JSON
        or not response.headers.get("www-authenticate", "").startswith("Bearer")
    ]
    assert wrong == []
    assert await _admin_view(world, sessions) == before
