"""Task.output: the contact attempts and services delivered that referrals' status events carry,
read back by the hospital as a Gravity Task, with nothing of the recipient's notes."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.task import Task
from fhir_examples import referral_bundle
from intake_builders import RECIPIENT, make_partner
from intake_harness import IntakeHarness

from cvihub_contracts import Stream, new_event, partner_source, to_kafka
from cvihub_contracts.referral.status_changed_v1 import (
    Activity,
    ActivityKind,
    ContactMethod,
    ContactOutcome,
    ReferralStatus,
    ReferralStatusChangedV1,
)
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import eventually, produce

pytestmark = pytest.mark.integration

NOTE = "client says his cousin did it"


def _activity_event(referral_id: str, activity: Activity, at: datetime) -> ReferralStatusChangedV1:
    return ReferralStatusChangedV1(
        referral_id=uuid.UUID(referral_id),
        status=ReferralStatus.ACCEPTED,
        previous_status=ReferralStatus.ACCEPTED,
        note=NOTE,
        changed_by_partner_id=RECIPIENT,
        referring_partner_id="outputs-hospital",
        recipient_partner_id=RECIPIENT,
        changed_at=at,
        activity=activity,
    )


async def test_attempts_and_services_come_back_as_task_outputs(intake: IntakeHarness) -> None:
    hospital = make_partner("outputs-hospital", publishes=(Stream.REFERRALS,))
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(hospital, recipient, recipients=(RECIPIENT,))
    posted = await intake.client.post(
        "/fhir",
        json=referral_bundle(RECIPIENT),
        headers={**hospital.auth, "Content-Type": "application/fhir+json"},
    )
    assert posted.status_code == 200, posted.text
    task_id = str(posted.json()["entry"][0]["response"]["location"]).removeprefix("Task/")
    start = datetime.now(UTC)
    attempts = [
        Activity(
            kind=ActivityKind.CONTACT_ATTEMPT,
            occurred_at=start - timedelta(minutes=30),
            method=ContactMethod.PHONE,
            outcome=ContactOutcome.NO_ANSWER,
        ),
        Activity(
            kind=ActivityKind.CONTACT_ATTEMPT,
            occurred_at=start - timedelta(minutes=20),
            method=ContactMethod.BEDSIDE,
            outcome=ContactOutcome.REACHED,
        ),
        Activity(
            kind=ActivityKind.SERVICE_DELIVERED,
            occurred_at=start - timedelta(minutes=10),
            service_type="relocation",
            service_date=date(2026, 12, 3),
        ),
    ]
    events = [
        new_event(_activity_event(task_id, a, a.occurred_at), source=partner_source(RECIPIENT))
        for a in attempts
    ]
    moved = ReferralStatusChangedV1(
        referral_id=uuid.UUID(task_id),
        status=ReferralStatus.IN_PROGRESS,
        previous_status=ReferralStatus.ACCEPTED,
        changed_by_partner_id=RECIPIENT,
        referring_partner_id="outputs-hospital",
        recipient_partner_id=RECIPIENT,
        changed_at=datetime.now(UTC),
    )
    last = new_event(moved, source=partner_source(RECIPIENT))
    # The service delivered twice (a redelivery or a replay), then a move that comes after all of
    # them on the referral's partition: once the Task shows it, every earlier event was applied.
    await produce(intake.bootstrap, *(to_kafka(e) for e in [*events, events[2], last]))

    async def moved_on() -> bool:
        read = await intake.client.get(f"/fhir/Task/{task_id}", headers=hospital.auth)
        return read.status_code == 200 and read.json()["status"] == "in-progress"

    await eventually(moved_on, timeout=20)
    read = await intake.client.get(f"/fhir/Task/{task_id}", headers=hospital.auth)
    assert NOTE not in json.dumps(read.json())
    task = Task.model_validate(read.json())
    assert task.output is not None and len(task.output) == 3
    assert task.contained is not None
    contained = {resource.id: resource for resource in task.contained}

    no_answer, reached, service = task.output
    assert [c.code for c in no_answer.type.coding or []] == ["contact-attempt"]
    first = contained[no_answer.valueReference.reference.removeprefix("#")]
    assert isinstance(first, Communication)
    assert first.status == "not-done"
    assert first.statusReason.coding[0].code == "no-answer"
    assert first.sent == attempts[0].occurred_at
    assert [c.code for c in first.medium[0].coding] == ["PHONE", "phone"]
    second = contained[reached.valueReference.reference.removeprefix("#")]
    assert isinstance(second, Communication)
    assert (second.status, second.statusReason.coding[0].code) == ("completed", "reached")
    assert [c.code for c in second.medium[0].coding] == ["FACE", "bedside"]
    assert [c.code for c in service.type.coding or []] == [
        "resulting-activity",
        "service-delivered",
    ]
    delivered = contained[service.valueReference.reference.removeprefix("#")]
    assert isinstance(delivered, Procedure)
    assert delivered.code.coding[0].code == "relocation"
    assert delivered.performedDateTime == date(2026, 12, 3)

    search = await intake.client.get(
        "/fhir/Task", params={"_lastUpdated": f"gt{start.isoformat()}"}, headers=hospital.auth
    )
    assert [e["resource"]["id"] for e in search.json()["entry"]] == [task_id]
    everything = await intake.client.get("/fhir/Task", headers=recipient.auth)
    [entry] = everything.json()["entry"]
    assert len(entry["resource"]["output"]) == 3
