"""FHIR R4 referrals as the Gravity SDOH CC IG models them: a transaction Bundle in, a
transaction-response or an OperationOutcome out, and the referral's Task read back."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.task import Task
from fhir_examples import referral_bundle, task
from intake_builders import RECIPIENT, TestPartner, make_partner
from intake_harness import IntakeHarness

from cvihub_contracts import Stream, from_kafka, new_event, service_source, to_kafka, topics
from cvihub_contracts.referral.network_v1 import OfferChange, OfferState
from cvihub_contracts.referral.status_changed_v1 import (
    ReferralStatus,
    ReferralStatusChangedV1,
    StatusReason,
)
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import consume_until, eventually, produce

pytestmark = pytest.mark.integration

FHIR = {"Content-Type": "application/fhir+json"}


async def _world(intake: IntakeHarness) -> tuple[TestPartner, TestPartner, TestPartner]:
    hospital = make_partner("fhir-hospital", publishes=(Stream.REFERRALS,))
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    stranger = make_partner("fhir-stranger", publishes=(Stream.REFERRALS,))
    await intake.announce(hospital, recipient, stranger, recipients=(RECIPIENT,))
    return hospital, recipient, stranger


async def test_the_igs_examples_go_in_and_the_task_comes_back(intake: IntakeHarness) -> None:
    hospital, recipient, stranger = await _world(intake)
    since = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    headers = {**hospital.auth, **FHIR, "Idempotency-Key": "fhir-1"}

    answer = await intake.client.post("/fhir", json=referral_bundle(RECIPIENT), headers=headers)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/fhir+json"
    response = Bundle.model_validate(answer.json())
    assert response.type == "transaction-response"
    assert response.entry is not None
    assert response.entry[0].response.status == "201 Created"
    task_id = response.entry[0].response.location.removeprefix("Task/")
    [record] = await consume_until(
        intake.bootstrap, topics.REFERRALS, lambda r: r.key == task_id.encode()
    )
    event = from_kafka(dict(record.headers), record.key, record.value)
    assert isinstance(event.data, ReferralSubmittedV1)
    assert event.data.recipient_partner_id == RECIPIENT
    assert (event.data.patient.given_name, event.data.patient.family_name) == ("COLIN", "BAXTER")
    assert event.data.patient.phone == "+15555555555"
    assert event.data.injury.mechanism == "gunshot"
    assert event.data.requested_services == ["hospital-response"]

    retry = await intake.client.post("/fhir", json=referral_bundle(RECIPIENT), headers=headers)
    assert retry.json() == answer.json()
    assert retry.headers.get("Idempotent-Replayed") == "true"

    async def task_reads(status: str) -> bool:
        read = await intake.client.get(f"/fhir/Task/{task_id}", headers=hospital.auth)
        return read.status_code == 200 and read.json()["status"] == status

    await eventually(lambda: task_reads("requested"), timeout=20)
    change = ReferralStatusChangedV1(
        referral_id=uuid.UUID(task_id),
        status=ReferralStatus.ACCEPTED,
        previous_status=ReferralStatus.REQUESTED,
        reason=StatusReason.OTHER,
        changed_by_partner_id=RECIPIENT,
        referring_partner_id="fhir-hospital",
        recipient_partner_id=RECIPIENT,
        changed_at=datetime.now(UTC),
    )
    await produce(intake.bootstrap, to_kafka(new_event(change, source=service_source("referrals"))))
    await eventually(lambda: task_reads("accepted"), timeout=20)

    read = await intake.client.get(f"/fhir/Task/{task_id}", headers=recipient.auth)
    fhir_task = Task.model_validate(read.json())
    assert fhir_task.owner.identifier.value == RECIPIENT
    hidden = await intake.client.get(f"/fhir/Task/{task_id}", headers=stranger.auth)
    assert hidden.status_code == 404
    found = await intake.client.get(
        "/fhir/Task",
        params={"owner": f"Organization?identifier={RECIPIENT}", "_lastUpdated": f"gt{since}"},
        headers=hospital.auth,
    )
    assert found.status_code == 200, found.text
    search = Bundle.model_validate(found.json())
    assert [e.resource.id for e in search.entry or []] == [task_id]
    later = await intake.client.get(
        "/fhir/Task",
        params={"_lastUpdated": f"gt{datetime.now(UTC).isoformat()}"},
        headers=hospital.auth,
    )
    assert later.json()["total"] == 0
    assert (await intake.client.get("/fhir/Task", headers=stranger.auth)).json()["total"] == 0


async def test_problems_are_named_by_fhirpath_and_nothing_is_published(
    intake: IntakeHarness,
) -> None:
    hospital, _, _ = await _world(intake)
    before = await intake.outbox_count()
    accepted_task = task() | {"status": "accepted"}
    consent: dict[str, Any] = referral_bundle(RECIPIENT)["entry"][5]["resource"]
    consent.pop("provision")

    answer = await intake.client.post(
        "/fhir",
        json=referral_bundle(RECIPIENT, task=accepted_task, consent=consent),
        headers={**hospital.auth, **FHIR},
    )

    assert answer.status_code == 422, answer.text
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    expressions = [issue["expression"][0] for issue in outcome["issue"]]
    assert "Bundle.entry[0].resource.status" in expressions
    assert "Bundle.entry[5].resource.provision.actor" in expressions

    broken = referral_bundle(RECIPIENT, task=task() | {"intent": 3})
    structural = await intake.client.post("/fhir", json=broken, headers={**hospital.auth, **FHIR})
    assert structural.status_code == 400
    [issue] = structural.json()["issue"]
    assert issue["expression"] == ["Bundle.entry[0].resource.intent"]

    foreign = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": {"resourceType": "Nope"}}],
    }
    answer = await intake.client.post("/fhir", json=foreign, headers={**hospital.auth, **FHIR})
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["expression"] == ["Bundle.entry"]

    unknown = await intake.client.post(
        "/fhir", json=referral_bundle("no-such-org"), headers={**hospital.auth, **FHIR}
    )
    assert unknown.status_code == 422
    [issue] = unknown.json()["issue"]
    assert issue["code"] == "business-rule"
    assert issue["expression"] == ["Bundle.entry[0].resource.owner"]
    assert await intake.outbox_count() == before


async def test_metadata_and_code_systems_are_valid_r4(intake: IntakeHarness) -> None:
    metadata = await intake.client.get("/fhir/metadata")
    statement = CapabilityStatement.model_validate(metadata.json())
    assert statement.fhirVersion == "4.0.1"
    services = CodeSystem.model_validate(
        (await intake.client.get("/fhir/CodeSystem/cvi-services")).json()
    )
    assert {c.code for c in services.concept or []} >= {"street-outreach", "relocation"}
    CodeSystem.model_validate((await intake.client.get("/fhir/CodeSystem/injury-mechanism")).json())


async def test_a_network_referrals_task_is_owned_by_whoever_accepted_it(
    intake: IntakeHarness,
) -> None:
    hospital, recipient, stranger = await _world(intake)
    task_id = str(uuid.uuid4())
    at = datetime.now(UTC)

    def change(partner: str, status: ReferralStatus, seconds: int, **extra: Any) -> Any:
        event = ReferralStatusChangedV1(
            referral_id=uuid.UUID(task_id),
            status=status,
            previous_status=ReferralStatus.REQUESTED,
            reason=StatusReason.ELIGIBLE,
            changed_by_partner_id=partner,
            referring_partner_id="fhir-hospital",
            recipient_partner_id=partner,
            changed_at=at + timedelta(seconds=seconds),
            **extra,
        )
        return to_kafka(new_event(event, source=service_source("referrals")))

    offer = OfferChange(state=OfferState.OFFERED, round=1, services=["hospital-response"])
    lost = OfferChange(state=OfferState.WITHDRAWN, round=1, services=["hospital-response"])
    await produce(intake.bootstrap, change("network", ReferralStatus.REQUESTED, 0))
    await produce(
        intake.bootstrap,
        change(stranger.partner_id, ReferralStatus.REQUESTED, 1, offer=offer),
        change(RECIPIENT, ReferralStatus.ACCEPTED, 2),
        change(stranger.partner_id, ReferralStatus.ACCEPTED, 3, offer=lost),
    )

    async def owned() -> bool:
        read = await intake.client.get(f"/fhir/Task/{task_id}", headers=recipient.auth)
        return read.status_code == 200 and read.json()["status"] == "accepted"

    await eventually(owned, timeout=20)
    read = await intake.client.get(f"/fhir/Task/{task_id}", headers=hospital.auth)
    assert read.json()["owner"]["identifier"]["value"] == RECIPIENT
    # The organisation offered it, then withdrawn from, never owned its Task.
    hidden = await intake.client.get(f"/fhir/Task/{task_id}", headers=stranger.auth)
    assert hidden.status_code == 404
