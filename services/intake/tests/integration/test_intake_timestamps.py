"""Times from outside: an alert from 2999, a consent a year ahead or a time without a zone get
422 naming the field, and nothing is staged."""

from datetime import UTC, datetime, timedelta

import pytest
from intake_builders import RECIPIENT, alert_body, make_partner, referral_body
from intake_harness import IntakeHarness

from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind

pytestmark = pytest.mark.integration


async def test_times_from_the_future_or_without_a_zone_are_refused(
    intake: IntakeHarness,
) -> None:
    hospital = make_partner("clock-hospital", publishes=(Stream.REFERRALS,))
    police = make_partner(
        "clock-police", publishes=(Stream.INCIDENT_ALERTS,), kind=PartnerKind.POLICE
    )
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(hospital, police, recipient, recipients=(RECIPIENT,))
    before = await intake.outbox_count()
    consent = dict(referral_body()["consent"])
    consent["consented_at"] = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    cases = [
        (
            "/v1/incident-alerts",
            alert_body(occurred_at="2999-01-01T00:00:00Z"),
            police,
            "#/occurred_at",
            "timestamp-in-future",
        ),
        (
            "/v1/incident-alerts",
            alert_body(occurred_at="2025-01-01T00:00:00"),
            police,
            "#/occurred_at",
            "timestamp-without-zone",
        ),
        (
            "/v1/referrals",
            referral_body(consent=consent),
            hospital,
            "#/consent/consented_at",
            "timestamp-in-future",
        ),
    ]
    for path, body, partner, pointer, kind in cases:
        response = await intake.client.post(path, json=body, headers=partner.auth)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["type"].endswith("/" + kind)
        assert problem["errors"][0]["pointer"] == pointer
    assert await intake.outbox_count() == before
