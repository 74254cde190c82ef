"""An administrator onboards a new CVI organisation; its grant's terms hold end to end."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cvihub_cli.demo import HOSPITAL_KEY, POLICE_KEY, demo_alert, demo_referral
from cvihub_cli.embedded import free_port
from cvihub_cli.stack import Stack

# Shares the session's hub with the other modules of its group (see conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]

ORG = "northside-peace"
ALERT = "org.cvihub.incident-alert.published"
REFERRAL = "org.cvihub.referral.submitted"


@dataclass
class Receiver:
    """The new organisation's webhook endpoint: keeps what verifies, counts what does not."""

    url: str
    secrets: dict[str, str] = field(default_factory=dict)  # stream -> whsec_ secret
    events: list[dict[str, Any]] = field(default_factory=list)
    unverified: int = 0

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        """Verified deliveries of one event type."""
        return [e for e in list(self.events) if e["type"] == event_type]

    def ids(self, event_type: str, key: str) -> set[str]:
        """The `data[key]` of every verified delivery of a type."""
        return {str(e["data"][key]) for e in self.of_type(event_type)}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """A small uvicorn server in a thread, verifying Standard Webhooks signatures."""
    port = free_port()
    state = Receiver(url=f"http://127.0.0.1:{port}")

    async def hook(request: Request) -> Response:
        body = await request.body()
        secret = state.secrets.get(request.path_params["stream"])
        try:
            if secret is None:
                raise WebhookVerificationError("no secret for this stream")
            Webhook(secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            state.unverified += 1
            return Response(status_code=401)
        state.events.append(json.loads(body))
        return Response(status_code=204)

    app = Starlette(routes=[Route("/hooks/{stream}", hook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield state
    server.should_exit = True
    thread.join(timeout=5)


def _until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _alert(zone: str) -> dict[str, Any]:
    body = demo_alert()
    body["location"]["zone"] = zone
    return body


def test_onboarded_org_gets_its_zones_and_addressed_referrals_until_revoked(
    hub: Stack, receiver: Receiver
) -> None:
    assert hub.info is not None
    registry, intake = hub.info.urls["registry"], hub.info.urls["intake"]
    bootstrap = {"Authorization": f"Bearer {hub.info.admin_token}"}
    # A named administrator does the onboarding, so the audit log says who did each step.
    operator = {"admin_id": "d.nguyen", "name": "Dana Nguyen", "role": "admin"}
    named = httpx.post(f"{registry}/v1/admin/administrators", json=operator, headers=bootstrap)
    assert named.status_code == 201, named.text
    admin = {"Authorization": f"Bearer {named.json()['key']['api_key']}"}
    police = {"Authorization": f"Bearer {POLICE_KEY}"}
    hospital = {"Authorization": f"Bearer {HOSPITAL_KEY}"}

    def post_alert(zone: str) -> str:
        posted = httpx.post(f"{intake}/v1/incident-alerts", json=_alert(zone), headers=police)
        assert posted.status_code == 202, posted.text
        return str(posted.json()["alert_id"])

    # Onboarding: partner, key, grants with terms, one webhook per stream.
    partner = {"partner_id": ORG, "name": "Northside Peace", "kind": "cvi_org"}
    assert httpx.post(f"{registry}/v1/admin/partners", json=partner, headers=admin).is_success
    key = httpx.post(f"{registry}/v1/admin/partners/{ORG}/keys", headers=admin).json()
    grants = {}
    for stream, terms in (("incident-alerts", {"zones": ["north", "east"]}), ("referrals", {})):
        body = {"partner_id": ORG, "stream": stream, "action": "subscribe", **terms}
        made = httpx.post(f"{registry}/v1/admin/grants", json=body, headers=admin)
        assert made.status_code == 201, made.text
        grants[stream] = made.json()
    subscriptions = {}
    for stream in ("incident-alerts", "referrals"):
        hook = {"stream": stream, "url": f"{receiver.url}/hooks/{stream}"}
        made = httpx.post(
            f"{registry}/v1/admin/partners/{ORG}/subscriptions", json=hook, headers=admin
        )
        assert made.status_code == 201, made.text
        subscriptions[stream] = made.json()
        receiver.secrets[stream] = made.json()["secret"]
    mine = httpx.get(
        f"{registry}/v1/partners/me/grants", headers={"Authorization": f"Bearer {key['api_key']}"}
    ).json()
    assert {g["stream"]: g["zones"] for g in mine} == {
        "incident-alerts": ["north", "east"],
        "referrals": None,
    }

    # The registry's events reach notifications asynchronously: wait for a first north alert.
    def first_north() -> bool:
        alert_id = post_alert("north")
        try:
            _until(lambda: alert_id in receiver.ids(ALERT, "alert_id"), 2, "north alert")
        except pytest.fail.Exception:
            return False
        return True

    _until(first_north, 30, "the new organisation's first alert")
    east, south = post_alert("east"), post_alert("south")
    _until(lambda: east in receiver.ids(ALERT, "alert_id"), 15, "the east alert")

    # Referrals: the one addressed to the new org arrives, one addressed elsewhere does not.
    def refer(recipient: str) -> str | None:
        posted = httpx.post(
            f"{intake}/v1/referrals", json=demo_referral(recipient), headers=hospital
        )
        return str(posted.json()["referral_id"]) if posted.status_code == 202 else None

    ours = _until(lambda: refer(ORG), 15, "intake to know the new organisation")
    other = refer("safe-streets")
    assert other is not None
    _until(lambda: ours in receiver.ids(REFERRAL, "referral_id"), 15, "the addressed referral")

    # Revocation: how long until an alert posted after the revoke call is no longer delivered.
    alerts_grant = grants["incident-alerts"]["grant_id"]
    revoke_started = time.monotonic()
    revoked = httpx.delete(f"{registry}/v1/admin/grants/{alerts_grant}", headers=admin)
    assert revoked.status_code == 204
    posted_after: list[tuple[float, str]] = []
    while time.monotonic() - revoke_started < 6:
        posted_after.append((time.monotonic() - revoke_started, post_alert("north")))
        time.sleep(0.1)
    time.sleep(3)  # time for anything still in flight to arrive
    delivered = receiver.ids(ALERT, "alert_id")
    last_delivered = max(
        (i for i, (_, alert_id) in enumerate(posted_after) if alert_id in delivered), default=-1
    )
    assert last_delivered < len(posted_after) - 1, "alerts still delivered 6 s after revoking"
    latency = posted_after[last_delivered + 1][0]
    print(
        f"\nrevocation latency: {latency:.2f} s (alerts delivered after it: {last_delivered + 1})"
    )
    assert latency < 5.0

    assert south not in receiver.ids(ALERT, "alert_id")
    assert other not in receiver.ids(REFERRAL, "referral_id")
    assert receiver.unverified == 0
    for event in receiver.of_type(ALERT):
        assert event["data"]["location"]["zone"] in {"north", "east"}
        assert "source_incident_id" not in event["data"]  # CJI withheld
        assert "weapon_type" not in event["data"]
        assert "#/weapon_type" in event["redacted"]

    audit = httpx.get(f"{registry}/v1/admin/audit", params={"limit": 1000}, headers=admin).json()
    logged = {
        (entry["action"], entry["entity_id"])
        for entry in audit
        if entry["actor"] == "admin:d.nguyen"
    }
    assert {
        ("partner.created", ORG),
        ("credential.created", key["credential_id"]),
        ("grant.created", grants["incident-alerts"]["grant_id"]),
        ("grant.created", grants["referrals"]["grant_id"]),
        ("subscription.created", subscriptions["incident-alerts"]["subscription_id"]),
        ("subscription.created", subscriptions["referrals"]["subscription_id"]),
        ("grant.revoked", alerts_grant),
    } <= logged
    verified = httpx.get(f"{registry}/v1/admin/audit/verify", headers=admin).json()
    assert verified["ok"] is True, verified
    assert verified["checked"] >= len(audit)
