"""Intake refuses times from outside that cannot be right: in the future, or without a zone."""

from datetime import UTC, datetime, timedelta

import pytest
from intake_builders import RECIPIENT, alert_body, make_partner, referral_body
from intake_harness import IntakeHarness

from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind

pytestmark = pytest.mark.integration


async def test_future_and_naive_times_are_422_naming_the_field(intake: IntakeHarness) -> None:
    police = make_partner(
        "metro-police", publishes=(Stream.INCIDENT_ALERTS,), kind=PartnerKind.POLICE
    )
    hospital = make_partner("mercy-hospital", publishes=(Stream.REFERRALS,))
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(police, hospital, recipient, recipients=(RECIPIENT,))
    next_year = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    consent = {**referral_body()["consent"], "consented_at": next_year}
    cases = [
        (
            "/v1/incident-alerts",
            police,
            alert_body(occurred_at="2999-01-01T00:00:00Z"),
            "#/occurred_at",
            "in the future",
        ),
        (
            "/v1/incident-alerts",
            police,
            alert_body(occurred_at="2026-01-01T10:00:00"),
            "#/occurred_at",
            "timezone",
        ),
        (
            "/v1/referrals",
            hospital,
            referral_body(consent=consent),
            "#/consent/consented_at",
            "in the future",
        ),
    ]
    for path, partner, body, pointer, words in cases:
        response = await intake.client.post(path, json=body, headers=partner.auth)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        [error] = problem["errors"]
        assert error["pointer"] == pointer and words in error["detail"], problem
    assert await intake.outbox_count() == 0
    # Within the skew is fine: a partner's clock a little ahead of the hub's.
    soon = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    accepted = await intake.client.post(
        "/v1/incident-alerts", json=alert_body(occurred_at=soon), headers=police.auth
    )
    assert accepted.status_code == 202, accepted.text
