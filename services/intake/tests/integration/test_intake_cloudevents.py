"""POST /v1/events takes CloudEvents in structured, binary and batch mode, for every type
partners publish, through the same checks as the JSON routes; source + id make resends safe."""

import json
import uuid
from typing import Any

import pytest
from intake_builders import (
    RECIPIENT,
    alert_body,
    alert_v2_body,
    bulletin_body,
    make_partner,
    referral_body,
)
from intake_harness import IntakeHarness

from cvihub_contracts import Stream, from_kafka, topics
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertV1
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


def cloud_event(event_type: str, data: dict[str, Any], **attributes: Any) -> dict[str, Any]:
    """A structured-mode CloudEvent as JSON."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "urn:example:cad",
        "type": event_type,
        "datacontenttype": "application/json",
        "data": data,
        **attributes,
    }


async def _world(intake: IntakeHarness) -> tuple[Any, Any]:
    police = make_partner(
        "ce-police",
        publishes=(Stream.INCIDENT_ALERTS, Stream.REFERRALS, Stream.BULLETINS),
        kind=PartnerKind.POLICE,
    )
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(police, recipient, recipients=(RECIPIENT,))
    return police, recipient


async def test_structured_v1_alert_is_upcast_and_a_resend_is_the_same(
    intake: IntakeHarness,
) -> None:
    police, _ = await _world(intake)
    event = cloud_event(
        "org.cvihub.incident-alert.published",
        alert_body(source_incident_id="CAD-CE-1"),
        dataschema=IncidentAlertV1.dataschema(),
    )
    headers = {**police.auth, "Content-Type": STRUCTURED}
    before = await intake.outbox_count()

    first = await intake.client.post("/v1/events", content=json.dumps(event), headers=headers)
    again = await intake.client.post("/v1/events", content=json.dumps(event), headers=headers)

    assert first.status_code == 202, first.text
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await intake.outbox_count() == before + 1
    [record] = await consume_until(
        intake.bootstrap, topics.INCIDENT_ALERTS, lambda r: r.key == b"ce-police/CAD-CE-1"
    )
    published = from_kafka(dict(record.headers), record.key, record.value)
    assert isinstance(published.data, IncidentAlertV2)
    assert published.envelope.id == first.json()["event_id"]
    assert [v.severity for v in published.data.victims] == ["serious"]

    changed = dict(event, data=alert_body(source_incident_id="CAD-CE-1", victim_count=2))
    reused = await intake.client.post("/v1/events", content=json.dumps(changed), headers=headers)
    assert reused.status_code == 422
    assert reused.json()["type"].endswith("/idempotency-key-reused")


async def test_binary_mode_referral_runs_the_consent_check(intake: IntakeHarness) -> None:
    police, _ = await _world(intake)
    ce_headers = {
        **police.auth,
        "Content-Type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": "ref-1",
        "ce-source": "urn:example:ehr",
        "ce-type": "org.cvihub.referral.submitted",
    }
    body = referral_body()
    accepted = await intake.client.post("/v1/events", json=body, headers=ce_headers)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "accepted"

    consent = dict(body["consent"], recipient_partner_ids=["someone-else"])
    refused = await intake.client.post(
        "/v1/events",
        json=referral_body(consent=consent),
        headers={**ce_headers, "ce-id": "ref-2"},
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/consent-does-not-cover-recipient")
    assert problem["errors"][0]["pointer"] == "#/consent/recipient_partner_ids"
    audited = [e for e in await intake.audit_events() if e.data.partner_id == "ce-police"]
    assert any(e.data.reason == "recipient not covered by consent" for e in audited)


async def test_a_batch_is_accepted_whole_or_not_at_all(intake: IntakeHarness) -> None:
    police, _ = await _world(intake)
    headers = {**police.auth, "Content-Type": BATCH}
    good = [
        cloud_event("org.cvihub.bulletin.published", bulletin_body()),
        cloud_event("org.cvihub.incident-alert.published", alert_v2_body()),
    ]
    future = alert_v2_body(occurred_at="2999-01-01T00:00:00Z")
    bad = [*good, cloud_event("org.cvihub.incident-alert.published", future)]
    before = await intake.outbox_count()

    refused = await intake.client.post("/v1/events", content=json.dumps(bad), headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["pointer"].startswith("#/2/data/occurred_at")
    assert await intake.outbox_count() == before

    accepted = await intake.client.post("/v1/events", content=json.dumps(good), headers=headers)
    assert accepted.status_code == 202, accepted.text
    assert len(accepted.json()) == 2
    assert await intake.outbox_count() == before + 2


async def test_what_is_not_a_publishable_cloudevent_is_refused_clearly(
    intake: IntakeHarness,
) -> None:
    police, _ = await _world(intake)
    headers = {**police.auth, "Content-Type": STRUCTURED}
    cases = [
        (cloud_event("org.cvihub.referral.status-changed", {}), "unknown-event-type", "#/type"),
        (
            cloud_event(
                "org.cvihub.bulletin.published",
                bulletin_body(),
                dataschema="https://schemas.cvihub.org/org.cvihub.bulletin.published/v9.0.json",
            ),
            "unknown-dataschema",
            "#/dataschema",
        ),
        ({"specversion": "1.0", "type": "x"}, "invalid-cloudevent", "#"),
        (
            cloud_event("org.cvihub.bulletin.published", {"kind": "event"}),
            "validation-error",
            "#/data/title",
        ),
    ]
    for event, kind, pointer in cases:
        response = await intake.client.post("/v1/events", json=event, headers=headers)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["type"].endswith("/" + kind), problem
        assert pointer in [e["pointer"] for e in problem["errors"]], problem
    plain = await intake.client.post(
        "/v1/events", json={}, headers={**police.auth, "Content-Type": "application/json"}
    )
    assert plain.status_code == 400
    assert plain.json()["type"].endswith("/cloudevent-attributes-missing")
    text = await intake.client.post(
        "/v1/events", content=b"{}", headers={**police.auth, "Content-Type": "text/plain"}
    )
    assert text.status_code == 415
    stranger = await intake.client.post(
        "/v1/events", content=b"\xff", headers={"Content-Type": STRUCTURED}
    )
    assert stranger.status_code == 401


async def test_a_partner_without_the_grant_is_refused_and_audited(intake: IntakeHarness) -> None:
    clinic = make_partner("ce-clinic", publishes=(Stream.BULLETINS,))
    await intake.announce(clinic)
    event = cloud_event("org.cvihub.incident-alert.published", alert_v2_body())
    response = await intake.client.post(
        "/v1/events", json=event, headers={**clinic.auth, "Content-Type": STRUCTURED}
    )
    assert response.status_code == 403, response.text
    assert response.json()["type"].endswith("/not-granted")
    audited = [e for e in await intake.audit_events() if e.data.partner_id == "ce-clinic"]
    assert [e.data.reason for e in audited] == ["no publish grant"]
