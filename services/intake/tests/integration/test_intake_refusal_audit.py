"""Every refusal intake decides reaches the audit topic: ids and reasons, never a secret."""

import pytest
from intake_builders import RECIPIENT, alert_body, make_partner, referral_body
from intake_harness import IntakeHarness

from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind

pytestmark = pytest.mark.integration


async def test_intake_401_and_403_are_published_as_access_refused(intake: IntakeHarness) -> None:
    hospital = make_partner("mercy-hospital", publishes=(Stream.REFERRALS,))
    await intake.announce(hospital)
    forged = "cvh_f0f0f0f0f0f0_" + "x" * 24

    for _ in range(5):  # repeats of an unauthenticated refusal are counted, not listed
        anonymous = await intake.client.post("/v2/incident-alerts", json=alert_body())
        assert anonymous.status_code == 401
    unknown = await intake.client.post(
        "/v1/bulletins", json={}, headers={"Authorization": f"Bearer {forged}"}
    )
    not_granted = await intake.client.post(
        "/v1/incident-alerts", json=alert_body(), headers=hospital.auth
    )
    assert unknown.status_code == 401
    assert not_granted.status_code == 403

    events = await intake.audit_events()

    missing = [e.data for e in events if e.data.reason == "missing key"]
    assert sum(d.count for d in missing) == 5
    assert len(missing) == 2  # the first at once, the four repeats in one counted entry
    assert {d.action for d in missing} == {"POST /v2/incident-alerts"}
    assert all(d.partner_id is None and d.status_code == 401 for d in missing)
    [forged_entry] = [e.data for e in events if e.data.action == "POST /v1/bulletins"]
    assert forged_entry.reason == "unknown key"
    assert forged_entry.credential_id == "f0f0f0f0f0f0"
    assert forged_entry.partner_id is None
    [refused] = [e for e in events if e.data.partner_id == hospital.partner_id]
    assert refused.data.reason == "no publish grant"
    assert refused.data.credential_id == hospital.credential_id
    assert refused.data.status_code == 403
    assert refused.data.action == "POST /v1/incident-alerts"
    assert refused.data.service == "intake"
    assert refused.envelope.partitionkey == hospital.partner_id
    for event in events:
        # The secret part of a key never travels, and nothing about a patient.
        assert "x" * 24 not in event.data.model_dump_json()
        assert hospital.api_key not in event.data.model_dump_json()
    # Nothing but the refusals was staged.
    assert await intake.outbox_count() == 0


async def test_intake_consent_refusal_is_audited_without_the_patient(
    intake: IntakeHarness,
) -> None:
    hospital = make_partner("mercy-hospital", publishes=(Stream.REFERRALS,))
    other_org = make_partner("peace-collective", kind=PartnerKind.CVI_ORG)
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(
        hospital, other_org, recipient, recipients=(RECIPIENT, "peace-collective")
    )

    refused = await intake.client.post(
        "/v1/referrals",
        json=referral_body(recipient_partner_id="peace-collective"),
        headers=hospital.auth,
    )
    unknown_recipient = await intake.client.post(
        "/v1/referrals",
        json=referral_body(recipient_partner_id="no-such-org"),
        headers=hospital.auth,
    )

    assert refused.status_code == 422
    assert unknown_recipient.status_code == 422
    events = [e.data for e in await intake.audit_events() if e.data.partner_id is not None]
    # The consent refusal is audited; a referral to nobody is a bad request, not a refusal.
    [consent] = events
    assert consent.partner_id == hospital.partner_id
    assert consent.reason == "recipient not covered by consent"
    assert consent.resource == "peace-collective"
    assert consent.status_code == 422
    assert consent.action == "POST /v1/referrals"
    assert "Patient" not in consent.model_dump_json()
    assert await intake.outbox_count() == 0
