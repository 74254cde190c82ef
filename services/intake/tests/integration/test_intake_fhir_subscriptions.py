"""FHIR R4 Subscriptions (Backport, rest-hook, id-only): a hospital subscribes to its Tasks,
each status change is POSTed to its endpoint as a history Bundle naming the Task only, failed
notifications are retried with backoff, endpoints obey the egress rules."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.subscription import Subscription
from fhir_examples import referral_bundle
from fhir_subscriptions import TASK_TOPIC, status_change, subscription
from intake_builders import RECIPIENT, TestPartner, make_partner
from intake_harness import IntakeHarness, MakeIntake
from sqlalchemy import func, select

from cvihub_contracts import Stream
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus as S
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_intake.models import fhir_notifications
from cvihub_testkit import eventually, produce
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

FHIR = {"Content-Type": "application/fhir+json"}
HOSPITAL = "subs-hospital"


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    """A rest-hook endpoint on http://127.0.0.1."""
    hooks = WebhookReceiver()
    await hooks.start()
    yield hooks
    await hooks.stop()


@pytest.fixture
async def intake(make_intake: MakeIntake) -> AsyncIterator[IntakeHarness]:
    """Intake allowing loopback endpoints, retrying after 0.2 s twice."""
    async with make_intake(
        webhook_allow_insecure_loopback=True, subscription_retry_seconds=(0.2, 0.2)
    ) as harness:
        yield harness


async def _world(intake: IntakeHarness) -> tuple[TestPartner, TestPartner, TestPartner]:
    hospital = make_partner(HOSPITAL, publishes=(Stream.REFERRALS,))
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    stranger = make_partner("subs-stranger", publishes=(Stream.REFERRALS,))
    await intake.announce(hospital, recipient, stranger, recipients=(RECIPIENT,))
    return hospital, recipient, stranger


async def _subscribe(intake: IntakeHarness, partner: TestPartner, body: dict[str, Any]) -> str:
    made = await intake.client.post(
        "/fhir/Subscription", json=body, headers={**partner.auth, **FHIR}
    )
    assert made.status_code == 201, made.text
    resource = Subscription.model_validate(made.json())
    assert resource.status == "active"
    assert made.headers["location"] == f"Subscription/{resource.id}"
    return str(resource.id)


async def _referral(intake: IntakeHarness, hospital: TestPartner) -> str:
    posted = await intake.client.post(
        "/fhir", json=referral_bundle(RECIPIENT), headers={**hospital.auth, **FHIR}
    )
    assert posted.status_code == 200, posted.text
    task_id = str(posted.json()["entry"][0]["response"]["location"]).removeprefix("Task/")

    async def readable() -> bool:
        read = await intake.client.get(f"/fhir/Task/{task_id}", headers=hospital.auth)
        return read.status_code == 200

    await eventually(readable, timeout=20)
    return task_id


async def _planned_for(intake: IntakeHarness, subscription_id: str) -> int:
    async with intake.app.state.hosting.sessions() as session:
        query = select(func.count()).where(fhir_notifications.c.subscription_id == subscription_id)
        return int(await session.scalar(query) or 0)


async def test_each_status_change_is_posted_with_the_task_id_only(
    intake: IntakeHarness, receiver: WebhookReceiver
) -> None:
    hospital, _, stranger = await _world(intake)
    watched = await _subscribe(
        intake,
        hospital,
        subscription(
            receiver.url("/hooks/hospital"), task_filter=f"Task?owner=Organization/{RECIPIENT}"
        ),
    )
    elsewhere = await _subscribe(
        intake,
        hospital,
        subscription(receiver.url("/hooks/other"), task_filter="Task?owner=Organization/nobody"),
    )
    nosy = await _subscribe(intake, stranger, subscription(receiver.url("/hooks/stranger")))
    task_id = await _referral(intake, hospital)

    await produce(
        intake.bootstrap,
        status_change(task_id, S.ACCEPTED, S.REQUESTED, referrer=HOSPITAL, recipient=RECIPIENT),
        status_change(task_id, S.IN_PROGRESS, S.ACCEPTED, referrer=HOSPITAL, recipient=RECIPIENT),
    )
    await eventually(lambda: _got(receiver, "/hooks/hospital", 2), timeout=20)

    bodies = [json.loads(r.body) for r in receiver.received("/hooks/hospital")]
    numbers = []
    for received, body in zip(receiver.received("/hooks/hospital"), bodies, strict=True):
        assert received.headers["content-type"] == "application/fhir+json"
        notification = Bundle.model_validate(body)
        assert notification.type == "history"
        status_entry, task_entry = notification.entry or []
        assert isinstance(status_entry.resource, Parameters)
        values = {p.name: p for p in status_entry.resource.parameter or []}
        assert values["topic"].valueCanonical == TASK_TOPIC
        assert values["type"].valueCode == "event-notification"
        assert values["subscription"].valueReference.reference == f"Subscription/{watched}"
        event = {part.name: part for part in values["notification-event"].part or []}
        assert event["focus"].valueReference.reference == f"Task/{task_id}"
        numbers.append(event["event-number"].valueString)
        # id-only: the Task's address, nothing of it or of the patient.
        assert task_entry.resource is None and task_entry.fullUrl == f"Task/{task_id}"
        assert "BAXTER" not in received.body.decode() and "accepted" not in received.body.decode()
    assert sorted(numbers) == ["1", "2"]
    # Neither the filtered-out Subscription nor a partner who is no party to the Task is told.
    assert await _planned_for(intake, elsewhere) == 0
    assert await _planned_for(intake, nosy) == 0
    assert receiver.received("/hooks/stranger") == []

    status = await intake.client.get(f"/fhir/Subscription/{watched}/$status", headers=hospital.auth)
    parameters = {p.name: p for p in Parameters.model_validate(status.json()).parameter or []}
    assert parameters["events-since-subscription-start"].valueString == "2"
    assert parameters["status"].valueCode == "active"
    listed = await intake.client.get("/fhir/Subscription", headers=hospital.auth)
    ids = {e.resource.id for e in Bundle.model_validate(listed.json()).entry or []}
    assert ids == {watched, elsewhere}
    read = await intake.client.get(f"/fhir/Subscription/{watched}", headers=hospital.auth)
    resource = Subscription.model_validate(read.json())
    assert resource.criteria == TASK_TOPIC
    assert resource.channel.endpoint == receiver.url("/hooks/hospital")

    deleted = await intake.client.delete(f"/fhir/Subscription/{watched}", headers=hospital.auth)
    assert deleted.status_code == 204
    gone = await intake.client.get(f"/fhir/Subscription/{watched}", headers=hospital.auth)
    assert gone.status_code == 404
    await _subscribe(intake, hospital, subscription(receiver.url("/hooks/later")))
    await produce(
        intake.bootstrap,
        status_change(task_id, S.COMPLETED, S.IN_PROGRESS, referrer=HOSPITAL, recipient=RECIPIENT),
    )
    await eventually(lambda: _got(receiver, "/hooks/later", 1), timeout=20)
    assert len(receiver.received("/hooks/hospital")) == 2


async def test_a_failed_notification_is_retried_and_a_given_up_one_shows_as_error(
    intake: IntakeHarness, receiver: WebhookReceiver
) -> None:
    hospital, _, _ = await _world(intake)
    path = "/hooks/flaky"
    watched = await _subscribe(intake, hospital, subscription(receiver.url(path)))
    task_id = await _referral(intake, hospital)
    # A redirect is never followed, then a 500: the third attempt is delivered.
    receiver.fail_first(path, 1, status=302, headers={"location": receiver.url("/hooks/moved")})
    await produce(
        intake.bootstrap,
        status_change(task_id, S.ACCEPTED, S.REQUESTED, referrer=HOSPITAL, recipient=RECIPIENT),
    )
    await eventually(lambda: _got(receiver, path, 1), timeout=20)
    receiver.fail_first(path, 1, status=500)
    await eventually(lambda: _answered(receiver, path, [302, 500, 200]), timeout=20)
    assert receiver.received("/hooks/moved") == []
    bodies = {r.body for r in receiver.received(path)}
    assert len(bodies) == 3  # each attempt a new Bundle id, the same event number
    assert {_event_number(body) for body in bodies} == {"1"}

    receiver.fail_first(path, 3, status=503)
    await produce(
        intake.bootstrap,
        status_change(task_id, S.ON_HOLD, S.ACCEPTED, referrer=HOSPITAL, recipient=RECIPIENT),
    )
    await eventually(lambda: _answered(receiver, path, [302, 500, 200, 503, 503, 503]), timeout=20)

    async def shows(status: str) -> bool:
        read = await intake.client.get(f"/fhir/Subscription/{watched}", headers=hospital.auth)
        return bool(read.json()["status"] == status)

    await eventually(lambda: shows("error"), timeout=20)
    read = await intake.client.get(f"/fhir/Subscription/{watched}", headers=hospital.auth)
    assert "503" in read.json()["error"]
    await produce(
        intake.bootstrap,
        status_change(task_id, S.IN_PROGRESS, S.ON_HOLD, referrer=HOSPITAL, recipient=RECIPIENT),
    )
    await eventually(lambda: shows("active"), timeout=20)
    assert _event_number(receiver.received(path)[-1].body) == "3"


async def test_endpoints_and_channels_the_hub_does_not_serve_are_refused(
    intake: IntakeHarness,
) -> None:
    hospital, _, _ = await _world(intake)
    refused = {
        "https://10.1.2.3/hook": "private-address",
        "https://169.254.169.254/latest": "cloud-metadata-address",
        "http://8.8.8.8/hook": "https-only",
        "ftp://8.8.8.8/hook": "https-only",
    }
    for endpoint, rule in refused.items():
        answer = await intake.client.post(
            "/fhir/Subscription", json=subscription(endpoint), headers={**hospital.auth, **FHIR}
        )
        assert answer.status_code == 422, answer.text
        [issue] = answer.json()["issue"]
        assert issue["expression"] == ["Subscription.channel.endpoint"]
        assert rule in issue["diagnostics"]

    hook = "https://8.8.8.8/hook"
    websocket = subscription(hook)
    websocket["channel"]["type"] = "websocket"
    full = subscription(hook)
    full["channel"]["_payload"]["extension"][0]["valueCode"] = "full-resource"
    headed = subscription(hook)
    headed["channel"]["header"] = ["Authorization: Bearer x"]
    cases = {
        "Subscription.channel.type": websocket,
        "Subscription.channel.payload": full,
        "Subscription.channel.header": headed,
        "Subscription.criteria": subscription(hook, criteria="Patient?name=x"),
        "Subscription.criteria.extension": subscription(hook, task_filter="Task?status=accepted"),
    }
    for where, body in cases.items():
        answer = await intake.client.post(
            "/fhir/Subscription", json=body, headers={**hospital.auth, **FHIR}
        )
        assert answer.status_code == 422, (where, answer.text)
        assert [i["expression"] for i in answer.json()["issue"]] == [[where]]
    broken = subscription(hook)
    del broken["reason"]
    answer = await intake.client.post(
        "/fhir/Subscription", json=broken, headers={**hospital.auth, **FHIR}
    )
    assert answer.status_code == 400
    as_text = await intake.client.post(
        "/fhir/Subscription",
        content=b"subscribe me",
        headers={**hospital.auth, "Content-Type": "text/plain"},
    )
    assert as_text.status_code == 415
    assert as_text.json()["resourceType"] == "OperationOutcome"
    listed = await intake.client.get("/fhir/Subscription", headers=hospital.auth)
    assert listed.json()["total"] == 0

    statement = CapabilityStatement.model_validate(
        (await intake.client.get("/fhir/metadata")).json()
    )
    [rest] = statement.rest or []
    kinds = {r.type: r for r in rest.resource or []}
    assert {i.code for i in kinds["Subscription"].interaction or []} >= {"create", "read", "delete"}


async def _got(receiver: WebhookReceiver, path: str, count: int) -> bool:
    return len(receiver.received(path)) >= count


async def _answered(receiver: WebhookReceiver, path: str, statuses: list[int]) -> bool:
    return [r.answered for r in receiver.received(path)] == statuses


def _event_number(body: bytes) -> str:
    parameters = json.loads(body)["entry"][0]["resource"]["parameter"]
    [event] = [p for p in parameters if p["name"] == "notification-event"]
    [number] = [p for p in event["part"] if p["name"] == "event-number"]
    return str(number["valueString"])
