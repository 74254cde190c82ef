"""A Gravity referral to the network: the Task names no owner (or the hub's `network`
Organization), the criteria come from ServiceRequest.code and the Patient's language; once an
organisation accepts it, the Task is that organisation's."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fhir_examples import consent, patient, referral_bundle, task
from intake_builders import RECIPIENT, TestPartner, make_partner
from intake_harness import IntakeHarness

from cvihub_contracts import Stream, from_kafka, new_event, service_source, to_kafka, topics
from cvihub_contracts.fhir.codes import PARTNER_ID_SYSTEM
from cvihub_contracts.referral.network_v1 import NETWORK_RECIPIENT, OfferChange, OfferState
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus, ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import consume_until, eventually, produce

pytestmark = pytest.mark.integration

FHIR = {"Content-Type": "application/fhir+json"}
HOSPITAL = "net-hospital"
OTHER_ORG = "net-other-org"


def _spanish_speaker() -> dict[str, Any]:
    speaker = patient()
    speaker["communication"] = [
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
        {
            "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]},
            "preferred": True,
        },
    ]
    return speaker


async def _world(intake: IntakeHarness) -> tuple[TestPartner, TestPartner]:
    hospital = make_partner(HOSPITAL, publishes=(Stream.REFERRALS,))
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(hospital, recipient, recipients=(RECIPIENT,))
    return hospital, recipient


async def _submitted(intake: IntakeHarness, answer_body: dict[str, Any]) -> ReferralSubmittedV1:
    task_id = str(answer_body["entry"][0]["response"]["location"]).removeprefix("Task/")
    [record] = await consume_until(
        intake.bootstrap, topics.REFERRALS, lambda r: r.key == task_id.encode()
    )
    event = from_kafka(dict(record.headers), record.key, record.value)
    assert isinstance(event.data, ReferralSubmittedV1)
    return event.data


async def test_a_task_without_owner_goes_to_the_network_with_its_criteria(
    intake: IntakeHarness,
) -> None:
    hospital, recipient = await _world(intake)
    ownerless = task()
    ownerless.pop("owner")
    bundle = referral_bundle(NETWORK_RECIPIENT, task=ownerless, patient=_spanish_speaker())

    answer = await intake.client.post("/fhir", json=bundle, headers={**hospital.auth, **FHIR})

    assert answer.status_code == 200, answer.text
    data = await _submitted(intake, answer.json())
    assert data.recipient_partner_id == NETWORK_RECIPIENT
    assert data.network is not None
    assert [s.value for s in data.network.services] == ["hospital-response"]
    assert data.network.language == "es"
    assert data.consent.recipient_partner_ids == [NETWORK_RECIPIENT]
    task_id = str(data.referral_id)

    async def owned_by(partner: str) -> bool:
        read = await intake.client.get(f"/fhir/Task/{task_id}", headers=hospital.auth)
        return read.status_code == 200 and read.json()["owner"]["identifier"]["value"] == partner

    await eventually(lambda: owned_by(NETWORK_RECIPIENT), timeout=20)
    offered, accepted = (
        ReferralStatusChangedV1(
            referral_id=data.referral_id,
            status=status,
            previous_status=previous,
            changed_by_partner_id=by,
            referring_partner_id=HOSPITAL,
            recipient_partner_id=to,
            changed_at=datetime.now(UTC),
            offer=offer,
        )
        for status, previous, by, to, offer in (
            (
                ReferralStatus.REQUESTED,
                ReferralStatus.REQUESTED,
                "cvihub",
                OTHER_ORG,
                OfferChange(state=OfferState.OFFERED, round=1, services=["hospital-response"]),
            ),
            (ReferralStatus.ACCEPTED, ReferralStatus.REQUESTED, RECIPIENT, RECIPIENT, None),
        )
    )
    await produce(
        intake.bootstrap,
        to_kafka(new_event(offered, source=service_source("referrals"))),
        to_kafka(new_event(accepted, source=service_source("referrals"))),
    )
    await eventually(lambda: owned_by(RECIPIENT), timeout=20)
    read = await intake.client.get(f"/fhir/Task/{task_id}", headers=hospital.auth)
    assert read.json()["status"] == "accepted"
    by_owner = await intake.client.get(f"/fhir/Task/{task_id}", headers=recipient.auth)
    assert by_owner.status_code == 200


async def test_the_hubs_network_organisation_as_owner_and_a_network_without_services(
    intake: IntakeHarness,
) -> None:
    hospital, _ = await _world(intake)
    answer = await intake.client.post(
        "/fhir", json=referral_bundle(NETWORK_RECIPIENT), headers={**hospital.auth, **FHIR}
    )
    assert answer.status_code == 200, answer.text
    data = await _submitted(intake, answer.json())
    assert data.recipient_partner_id == NETWORK_RECIPIENT
    assert data.network is not None and data.network.language is None

    before = await intake.outbox_count()
    bundle = referral_bundle(NETWORK_RECIPIENT)
    bundle["entry"][1]["resource"]["code"]["coding"].pop()  # no CVI service left
    refused = await intake.client.post("/fhir", json=bundle, headers={**hospital.auth, **FHIR})
    assert refused.status_code == 422, refused.text
    [issue] = refused.json()["issue"]
    assert issue["expression"] == ["Bundle.entry[1].resource.code"]

    # A consent naming one organisation does not cover a referral to the network.
    narrow = consent()
    narrow["provision"]["actor"][0]["reference"] = {
        "identifier": {"system": PARTNER_ID_SYSTEM, "value": RECIPIENT}
    }
    ownerless = task()
    ownerless.pop("owner")
    bundle = referral_bundle(RECIPIENT, task=ownerless, consent=narrow)
    refused = await intake.client.post("/fhir", json=bundle, headers={**hospital.auth, **FHIR})
    assert refused.status_code == 422, refused.text
    [issue] = refused.json()["issue"]
    assert issue["expression"] == ["Bundle.entry[5].resource.provision.actor"]
    assert await intake.outbox_count() == before
