"""The portal's use cases: sign-in, partner links, idempotent actions, alerts."""

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cvihub_contracts.alert.incident_alert_v1 import EVENT_TYPE as ALERT_TYPE
from cvihub_portal import store
from cvihub_portal.clients import INBOX_STREAMS, PORTAL_KEY_SCOPES, HubClients, UpstreamError
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.secretbox import SecretBox

ROLE_ABILITIES: dict[str, frozenset[str]] = {
    "outreach_worker": frozenset({"alerts", "referrals.work"}),
    "case_manager": frozenset({"alerts", "referrals.work"}),
    "hospital_staff": frozenset({"referrals.send"}),
    "coordinator": frozenset({"alerts", "referrals.work", "referrals.send"}),
    "partner_admin": frozenset({"alerts", "referrals.work", "referrals.send", "admin"}),
}
"""What each registry role does in the portal; the partner's grants still decide the data."""


@dataclass(frozen=True)
class Person:
    """Who is signed in, as the registry said at the last check."""

    person_id: str
    partner_id: str
    partner_name: str
    display_name: str
    role: str
    zones: list[str]

    def may(self, ability: str) -> bool:
        """Whether this person's role includes an ability of the portal."""
        return ability in ROLE_ABILITIES.get(self.role, frozenset())


class NotAllowed(Exception):
    """The person's role does not include this action."""


class InProgress(Exception):
    """An action with this idempotency key is being carried out right now."""


@dataclass
class PortalCore:
    """What every use case needs: the database, the other services, the key box."""

    sessions: SessionFactory
    clients: HubClients
    box: SecretBox
    session_check_seconds: float
    _checked: dict[str, tuple[float, Person]] = field(default_factory=dict)
    _link_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _person(me: dict[str, Any]) -> Person:
    person, partner = me["person"], me["partner"]
    return Person(
        person_id=person["person_id"],
        partner_id=person["partner_id"],
        partner_name=partner.get("name", person["partner_id"]),
        display_name=person["display_name"],
        role=person["role"],
        zones=list(partner.get("zones") or []),
    )


async def authenticate(core: PortalCore, token: str | None) -> Person | None:
    """The person behind a registry session token, rechecked every session_check_seconds."""
    if not token:
        return None
    digest, now = _digest(token), time.monotonic()
    cached = core._checked.get(digest)
    if cached and now - cached[0] < core.session_check_seconds:
        return cached[1]
    try:
        person = _person(await core.clients.me(token))
    except UpstreamError as exc:
        if exc.status in (401, 403):
            core._checked.pop(digest, None)
            return None
        raise
    core._checked[digest] = (now, person)
    return person


async def sign_in(
    core: PortalCore, *, email: str, code: str, device_name: str
) -> tuple[str, Person]:
    """Trade the e-mailed code for a registry session; link the partner on first use."""
    created = await core.clients.create_session(email=email, code=code, device_name=device_name)
    token = created["session_token"]
    person = await authenticate(core, token)
    assert person is not None, "a session just created answers /v1/me"
    await partner_key(core, person.partner_id)
    return token, person


async def sign_out(core: PortalCore, token: str) -> None:
    """Revoke the registry session and forget it here."""
    core._checked.pop(_digest(token), None)
    try:
        await core.clients.sign_out(token)
    except UpstreamError as exc:
        if exc.status != 401:
            raise


async def partner_key(core: PortalCore, partner_id: str) -> str:
    """The portal's key for a partner, issued (with an alerts inbox) the first time, and
    issued anew (the old one revoked) when it lacks a scope the portal now needs."""
    async with core.sessions() as session:
        link = await store.get_link(session, partner_id)
    if link is not None and _current(link):
        return core.box.decrypt(link.api_key_encrypted)
    async with core._link_lock:
        async with core.sessions() as session:
            link = await store.get_link(session, partner_id)
        if link is not None and _current(link):
            return core.box.decrypt(link.api_key_encrypted)
        issued = await core.clients.issue_portal_key(partner_id)
        for stream in INBOX_STREAMS:
            await core.clients.ensure_inbox(partner_id, stream)
        async with transaction(core.sessions) as session:
            await store.add_link(
                session,
                store.Link(
                    partner_id=partner_id,
                    credential_id=issued["credential_id"],
                    api_key_encrypted=core.box.encrypt(issued["api_key"]),
                    created_at=datetime.now(UTC),
                    scopes=[scope.value for scope in PORTAL_KEY_SCOPES],
                ),
            )
        if link is not None:
            await core.clients.revoke_key(link.credential_id)
        return str(issued["api_key"])


def _current(link: store.Link) -> bool:
    return {scope.value for scope in PORTAL_KEY_SCOPES} <= set(link.scopes or ())


Outcome = tuple[int, Any]
"""An action's HTTP status and JSON answer."""


async def once(
    core: PortalCore,
    person: Person,
    *,
    key: str,
    kind: str,
    target: str,
    act: Callable[[Any], Awaitable[Outcome]],
) -> tuple[Outcome, bool]:
    """Carry out an action at most once per idempotency key; (its outcome, whether replayed).

    `act` gets the claiming session, so an action the portal owns (a response to an alert, a
    contact attempt) commits with the key; one that calls another service stores its answer
    after it. A call that does not get through releases the key for the retry."""
    now = datetime.now(UTC)
    async with transaction(core.sessions) as session:
        seen = await store.claim_action(
            session,
            partner_id=person.partner_id,
            key=key,
            person_id=person.person_id,
            kind=kind,
            target=target,
            now=now,
        )
        if seen is not None:
            if seen.state != "done" or seen.status_code is None:
                raise InProgress(key)
            return (seen.status_code, seen.response), True
    try:
        async with transaction(core.sessions) as session:
            status, answer = await act(session)
            await store.finish_action(
                session, partner_id=person.partner_id, key=key, status_code=status, response=answer
            )
    except UpstreamError as exc:
        if exc.status >= 500 or exc.status == 429:
            await _release(core, person, key)
            raise
        async with transaction(core.sessions) as session:
            await store.finish_action(
                session,
                partner_id=person.partner_id,
                key=key,
                status_code=exc.status,
                response=exc.problem,
            )
        return (exc.status, exc.problem), False
    except BaseException:
        await _release(core, person, key)
        raise
    return (status, answer), False


async def _release(core: PortalCore, person: Person, key: str) -> None:
    async with transaction(core.sessions) as session:
        await store.release_action(session, partner_id=person.partner_id, key=key)


def incident_key(event: dict[str, Any]) -> str:
    """What ties an alert's revisions together: the event's subject (publisher and source id, or
    a keyed digest of them where the partner may not see the source id), else the revision's
    own id."""
    return str(event.get("subject") or event.get("data", {}).get("alert_id") or event.get("id"))


async def alerts(core: PortalCore, person: Person) -> list[dict[str, Any]]:
    """Incidents in the partner's inbox, newest revision each, with its people's responses."""
    key = await partner_key(core, person.partner_id)
    items = await core.clients.inbox(key, limit=200)
    incidents: dict[str, dict[str, Any]] = {}
    for item in sorted(items, key=lambda i: str(i["received_at"])):
        if item["event_type"] != ALERT_TYPE:
            continue
        data = item["event"].get("data", {})
        ikey = incident_key(item["event"])
        found = incidents.get(ikey)
        if found is None or int(data.get("revision", 0)) >= int(found.get("revision") or 0):
            incidents[ikey] = {
                **_public_alert(data),
                "incident_key": ikey,
                "item_id": item["item_id"],
                "received_at": item["received_at"],
                "responses": [],
            }
    async with core.sessions() as session:
        responses = await store.alert_responses_of(session, person.partner_id)
    for response in responses:
        incident = incidents.get(response["incident_key"])
        if incident is not None:
            at = response["at"].isoformat()
            incident["responses"].append({**response, "at": at})
    return sorted(incidents.values(), key=lambda i: str(i.get("occurred_at")), reverse=True)


def _public_alert(data: dict[str, Any]) -> dict[str, Any]:
    location = data.get("location") or {}
    fields = (
        "alert_id",
        "source_incident_id",
        "revision",
        "status",
        "occurred_at",
        "incident_type",
    )
    return {
        **{name: data.get(name) for name in fields},
        "severity": data.get("severity"),
        "zone": location.get("zone"),
        "beat": location.get("beat"),
        "community_area": location.get("community_area"),
        "block_address": location.get("block_address"),
    }
