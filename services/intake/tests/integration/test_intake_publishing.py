"""Accepted submissions reach their topics as CloudEvents in Kafka binary mode."""

import pytest
from intake_builders import RECIPIENT, alert_body, make_partner, referral_body
from intake_harness import IntakeHarness

from cvihub_contracts import Stream, from_kafka, partner_source, topics
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertSubmission
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import consume_until, eventually

pytestmark = pytest.mark.integration


async def test_intake_accepted_referral_is_published_and_trackable(
    intake: IntakeHarness,
) -> None:
    hospital = make_partner("mercy-hospital", publishes=(Stream.REFERRALS,))
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(hospital, recipient, recipients=(RECIPIENT,))
    body = referral_body()

    response = await intake.client.post(
        "/v1/referrals", json=body, headers={**hospital.auth, "X-Correlation-Id": "corr-7"}
    )

    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "accepted"
    [record] = await consume_until(
        intake.bootstrap, topics.REFERRALS, lambda r: r.key == accepted["referral_id"].encode()
    )
    headers = {name: value for name, value in record.headers}
    assert headers["ce_id"] == accepted["event_id"].encode()
    assert headers["ce_type"] == b"org.cvihub.referral.submitted"
    assert headers["ce_source"] == partner_source("mercy-hospital").encode()
    assert headers["ce_correlationid"] == b"corr-7"
    assert headers["content-type"] == b"application/json"
    event = from_kafka(headers, record.key, record.value)
    assert str(event.data.referral_id) == accepted["referral_id"]  # type: ignore[attr-defined]
    sent = ReferralSubmission.model_validate(body)
    assert event.data.model_dump(include=set(type(sent).model_fields)) == sent.model_dump()

    async def published() -> bool:
        state = await intake.client.get(
            f"/v1/submissions/{accepted['event_id']}", headers=hospital.auth
        )
        return state.status_code == 200 and state.json()["published"] is True

    await eventually(published)
    state = (
        await intake.client.get(f"/v1/submissions/{accepted['event_id']}", headers=hospital.auth)
    ).json()
    assert state["kind"] == "referral"
    # Another partner may not learn that the submission exists.
    stranger = await intake.client.get(
        f"/v1/submissions/{accepted['event_id']}", headers=recipient.auth
    )
    assert stranger.status_code == 404


async def test_intake_accepted_alert_is_published(intake: IntakeHarness) -> None:
    police = make_partner(
        "metro-police", publishes=(Stream.INCIDENT_ALERTS,), kind=PartnerKind.POLICE
    )
    await intake.announce(police)
    body = alert_body(source_incident_id="CAD-2025-0001")

    response = await intake.client.post("/v1/incident-alerts", json=body, headers=police.auth)

    assert response.status_code == 202, response.text
    accepted = response.json()
    [record] = await consume_until(
        intake.bootstrap,
        topics.INCIDENT_ALERTS,
        lambda r: r.key == b"metro-police/CAD-2025-0001",
    )
    headers = {name: value for name, value in record.headers}
    assert headers["ce_id"] == accepted["event_id"].encode()
    assert headers["ce_classification"] == b"cji"
    event = from_kafka(headers, record.key, record.value)
    assert str(event.data.alert_id) == accepted["alert_id"]  # type: ignore[attr-defined]
    sent = IncidentAlertSubmission.model_validate(body)
    assert event.data.model_dump(include=set(type(sent).model_fields)) == sent.model_dump()
    assert headers["ce_correlationid"] == accepted["event_id"].encode()
