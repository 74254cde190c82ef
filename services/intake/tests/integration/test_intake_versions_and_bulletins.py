"""Version-2 alerts and community bulletins take the same road as every submission."""

import pytest
from intake_builders import alert_v2_body, bulletin_body, make_partner
from intake_harness import IntakeHarness

from cvihub_contracts import Stream, from_kafka, topics
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration


async def test_v2_alert_is_published_with_the_v2_schema(intake: IntakeHarness) -> None:
    police = make_partner(
        "metro-police", publishes=(Stream.INCIDENT_ALERTS,), kind=PartnerKind.POLICE
    )
    await intake.announce(police)

    response = await intake.client.post(
        "/v2/incident-alerts",
        json=alert_v2_body(source_incident_id="CAD-V2-1"),
        headers=police.auth,
    )

    assert response.status_code == 202, response.text
    [record] = await consume_until(
        intake.bootstrap, topics.INCIDENT_ALERTS, lambda r: r.key == b"metro-police/CAD-V2-1"
    )
    headers = dict(record.headers)
    assert headers["ce_dataschema"] == IncidentAlertV2.dataschema().encode()
    event = from_kafka(headers, record.key, record.value)
    assert isinstance(event.data, IncidentAlertV2)
    assert [v.age_group.value for v in event.data.victims] == ["young_adult"]


async def test_v1_body_on_the_v2_route_names_the_fields(intake: IntakeHarness) -> None:
    police = make_partner(
        "metro-police", publishes=(Stream.INCIDENT_ALERTS,), kind=PartnerKind.POLICE
    )
    await intake.announce(police)
    body = alert_v2_body()
    del body["verification"]
    body["victim_count"] = 1

    response = await intake.client.post("/v2/incident-alerts", json=body, headers=police.auth)

    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert pointers == {"#/verification", "#/victim_count"}


async def test_bulletin_needs_a_grant_and_is_published(intake: IntakeHarness) -> None:
    outreach = make_partner("safe-streets", publishes=(Stream.BULLETINS,), kind=PartnerKind.CVI_ORG)
    hospital = make_partner("mercy-hospital", publishes=(Stream.REFERRALS,))
    await intake.announce(outreach, hospital)

    refused = await intake.client.post("/v1/bulletins", json=bulletin_body(), headers=hospital.auth)
    accepted = await intake.client.post(
        "/v1/bulletins", json=bulletin_body(), headers=outreach.auth
    )
    no_start = await intake.client.post(
        "/v1/bulletins", json=bulletin_body(starts_at=None), headers=outreach.auth
    )

    assert refused.status_code == 403
    assert accepted.status_code == 202, accepted.text
    assert no_start.status_code == 422
    bulletin_id = accepted.json()["bulletin_id"]
    [record] = await consume_until(
        intake.bootstrap, topics.BULLETINS, lambda r: r.key == bulletin_id.encode()
    )
    event = from_kafka(dict(record.headers), record.key, record.value)
    assert isinstance(event.data, BulletinPublishedV1)
    assert event.data.publisher_partner_id == "safe-streets"
