"""A referral quoting a registry consent record is accepted only when the record covers it."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from intake_builders import RECIPIENT, make_partner, partner_record, referral_body
from intake_harness import IntakeHarness

from cvihub_contracts import KafkaRecord, Stream, new_event, service_source, to_kafka
from cvihub_contracts.registry.changes_v1 import EntityStatus, PartnerKind
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1
from cvihub_intake import models
from cvihub_runtime.problems import PROBLEM_JSON
from cvihub_testkit import eventually, produce

pytestmark = pytest.mark.integration

HOSPITAL = "mercy-hospital"


def consent_record(consent_id: str, **overrides: Any) -> KafkaRecord:
    """A ConsentChangedV1 record: the hospital's consent covering the recipient."""
    values: dict[str, Any] = {
        "consent_id": consent_id,
        "custodian_partner_id": HOSPITAL,
        "recipient_partner_ids": [RECIPIENT],
        "scope": ["contact", "injury"],
        "purpose": "violence intervention referral",
        "given_at": datetime.now(UTC) - timedelta(hours=1),
        "status": EntityStatus.ACTIVE,
        "sequence": 1,
        "changed_at": datetime.now(UTC),
    }
    values.update(overrides)
    return to_kafka(new_event(ConsentChangedV1(**values), source=service_source("registry")))


def quoting(consent_id: str, **consent: Any) -> dict[str, Any]:
    """A referral body whose consent quotes a consent record."""
    body = referral_body()
    body["consent"] = {**body["consent"], "consent_id": consent_id, **consent}
    return body


async def _in_copy(intake: IntakeHarness, *consent_ids: str) -> bool:
    async with intake.app.state.hosting.sessions() as session:
        for consent_id in consent_ids:
            if await models.registry_copy.consent(session, consent_id) is None:
                return False
        return True


async def test_intake_checks_the_quoted_consent_record(intake: IntakeHarness) -> None:
    hospital = make_partner(HOSPITAL, publishes=(Stream.REFERRALS,))
    await produce(intake.bootstrap, partner_record(RECIPIENT, kind=PartnerKind.CVI_ORG))
    await intake.announce(hospital, recipients=(RECIPIENT,))
    now = datetime.now(UTC)
    await produce(
        intake.bootstrap,
        consent_record("c-ok"),
        consent_record("c-withdrawn", status=EntityStatus.REVOKED, withdrawn_at=now),
        consent_record("c-expired", expires_at=now - timedelta(minutes=1)),
        consent_record("c-other", custodian_partner_id="other-hospital"),
        consent_record("c-elsewhere", recipient_partner_ids=["another-org"]),
        consent_record("c-contact", scope=["contact"]),
    )
    ids = ("c-ok", "c-withdrawn", "c-expired", "c-other", "c-elsewhere", "c-contact")
    await eventually(lambda: _in_copy(intake, *ids), timeout=20)
    before = await intake.outbox_count()

    expected = {
        "never-recorded": ("consent-record-unknown", "#/consent/consent_id"),
        "c-withdrawn": ("consent-withdrawn", "#/consent/consent_id"),
        "c-expired": ("consent-record-expired", "#/consent/consent_id"),
        "c-other": ("consent-record-not-yours", "#/consent/consent_id"),
        "c-elsewhere": ("consent-record-does-not-cover-recipient", "#/consent/consent_id"),
        "c-contact": ("consent-scope-exceeds-record", "#/consent/scope"),
    }
    for consent_id, (kind, pointer) in expected.items():
        refused = await intake.client.post(
            "/v1/referrals", json=quoting(consent_id), headers=hospital.auth
        )
        assert refused.status_code == 422, consent_id
        assert refused.headers["content-type"] == PROBLEM_JSON
        problem = refused.json()
        assert problem["type"].endswith(f"/{kind}"), (consent_id, problem["type"])
        assert [e["pointer"] for e in problem["errors"]] == [pointer]
    assert await intake.outbox_count() == before  # nothing refused was staged

    accepted = await intake.client.post(
        "/v1/referrals", json=quoting("c-ok"), headers=hospital.auth
    )
    narrower = await intake.client.post(
        "/v1/referrals", json=quoting("c-contact", scope=["contact"]), headers=hospital.auth
    )
    assert accepted.status_code == 202, accepted.text
    assert narrower.status_code == 202, narrower.text
    assert await intake.outbox_count() == before + 2


async def test_a_referral_to_the_network_rests_on_a_consent_naming_the_network(
    intake: IntakeHarness,
) -> None:
    hospital = make_partner(HOSPITAL, publishes=(Stream.REFERRALS,))
    await intake.announce(hospital)
    await produce(
        intake.bootstrap,
        consent_record("c-network", recipient_partner_ids=["network"]),
        consent_record("c-one-org"),
    )
    await eventually(lambda: _in_copy(intake, "c-network", "c-one-org"), timeout=20)
    network = {"services": ["hospital-response"], "zone": "east", "language": "es"}

    def to_network(consent_id: str, **changes: Any) -> dict[str, Any]:
        body = quoting(consent_id, recipient_partner_ids=["network"])
        return {**body, "recipient_partner_id": "network", "network": network, **changes}

    before = await intake.outbox_count()
    no_criteria = await intake.client.post(
        "/v1/referrals", json=to_network("c-network", network=None), headers=hospital.auth
    )
    other_record = await intake.client.post(
        "/v1/referrals", json=to_network("c-one-org"), headers=hospital.auth
    )
    assert no_criteria.status_code == other_record.status_code == 422
    assert no_criteria.json()["type"].endswith("/network-criteria-mismatch")
    assert other_record.json()["type"].endswith("/consent-record-does-not-cover-recipient")
    assert await intake.outbox_count() == before

    accepted = await intake.client.post(
        "/v1/referrals", json=to_network("c-network"), headers=hospital.auth
    )
    assert accepted.status_code == 202, accepted.text
    assert await intake.outbox_count() == before + 1
