"""Requests intake refuses: problem+json, and nothing reaches the outbox or the topics."""

import asyncio

import pytest
from intake_builders import (
    RECIPIENT,
    alert_body,
    credential_record,
    make_partner,
    referral_body,
)
from intake_harness import IntakeHarness
from prometheus_client import REGISTRY

from cvihub_contracts import Stream, topics
from cvihub_contracts.registry.changes_v1 import EntityStatus, PartnerKind
from cvihub_runtime.problems import PROBLEM_JSON
from cvihub_testkit import eventually, produce

pytestmark = pytest.mark.integration


def _refused(kind: str, reason: str) -> float:
    labels = {"kind": kind, "reason": reason}
    return REGISTRY.get_sample_value("cvihub_intake_submissions_refused_total", labels) or 0.0


async def test_intake_missing_or_revoked_key_is_401(intake: IntakeHarness) -> None:
    police = make_partner("metro-police", publishes=(Stream.INCIDENT_ALERTS,))
    await intake.announce(police)

    anonymous = await intake.client.post("/v1/incident-alerts", json=alert_body())
    accepted = await intake.client.post(
        "/v1/incident-alerts", json=alert_body(), headers=police.auth
    )

    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == PROBLEM_JSON
    assert anonymous.json()["type"].endswith("/unauthenticated")
    assert accepted.status_code == 202

    revoked = credential_record(
        police.partner_id,
        police.api_key,
        credential_id=police.credential_id,
        status=EntityStatus.REVOKED,
        sequence=2,
    )
    await produce(intake.bootstrap, revoked)
    # Fails the test unless the revocation takes effect within seconds.
    await eventually(lambda: _refuses(intake, police.auth), timeout=10)


async def _refuses(intake: IntakeHarness, auth: dict[str, str]) -> bool:
    response = await intake.client.post("/v1/incident-alerts", json=alert_body(), headers=auth)
    return response.status_code == 401 and response.headers["content-type"] == PROBLEM_JSON


async def test_intake_partner_without_grant_is_403_and_nothing_is_published(
    intake: IntakeHarness,
) -> None:
    # Granted referrals only, so it may not publish alerts; the other partner holds no grant.
    hospital = make_partner("mercy-hospital", publishes=(Stream.REFERRALS,))
    outsider = make_partner("city-office", kind=PartnerKind.CITY)
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(hospital, outsider, recipient, recipients=(RECIPIENT,))
    before = _refused("incident-alert", "not-granted")

    alert = await intake.client.post(
        "/v1/incident-alerts", json=alert_body(), headers=hospital.auth
    )
    referral = await intake.client.post(
        "/v1/referrals", json=referral_body(), headers=outsider.auth
    )
    # The grant is checked before the body: a partner that may not publish learns nothing more.
    invalid = await intake.client.post("/v1/referrals", json={}, headers=outsider.auth)

    for response in (alert, referral, invalid):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["type"].endswith("/not-granted")
    assert _refused("incident-alert", "not-granted") == before + 1
    assert await intake.outbox_count() == 0
    await asyncio.sleep(0.5)  # time the relay would need, had anything been staged
    assert await intake.records_on(topics.REFERRALS) == []
    assert await intake.records_on(topics.INCIDENT_ALERTS) == []


async def test_intake_invalid_referrals_are_422_naming_each_field(intake: IntakeHarness) -> None:
    hospital = make_partner("mercy-hospital", publishes=(Stream.REFERRALS,))
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    other_org = make_partner("peace-collective", kind=PartnerKind.CVI_ORG)
    await intake.announce(
        hospital, recipient, other_org, recipients=(RECIPIENT, "peace-collective")
    )
    bad_fields = referral_body()
    bad_fields["patient"] = {**bad_fields["patient"], "phone": "555-0100-SECRET"}
    bad_fields["injury"] = {"mechanism": "falling-piano"}
    missing_patient = referral_body()
    del missing_patient["patient"]

    cases = {
        "fields": (bad_fields, {}),
        "missing": (missing_patient, {}),
        "correlation": (referral_body(), {"X-Correlation-Id": "x" * 129}),
        "unknown": (referral_body(recipient_partner_id="no-such-org"), {}),
        "consent": (referral_body(recipient_partner_id="peace-collective"), {}),
    }
    responses = {}
    for name, (body, headers) in cases.items():
        responses[name] = await intake.client.post(
            "/v1/referrals", json=body, headers={**hospital.auth, **headers}
        )

    for response in responses.values():
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM_JSON

    def pointers(name: str) -> set[str]:
        return {error["pointer"] for error in responses[name].json()["errors"]}

    assert pointers("fields") == {"#/patient/phone", "#/injury/mechanism"}
    assert "555-0100-SECRET" not in responses["fields"].text
    assert pointers("missing") == {"#/patient"}
    assert responses["correlation"].json()["type"].endswith("/validation-error")
    assert responses["unknown"].json()["type"].endswith("/unknown-recipient")
    assert pointers("unknown") == {"#/recipient_partner_id"}
    assert responses["consent"].json()["type"].endswith("/consent-does-not-cover-recipient")
    assert await intake.outbox_count() == 0
