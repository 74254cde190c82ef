"""API key scopes at intake: each route needs its scope; a refusal publishes nothing."""

import httpx
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

from cvihub_contracts import Scope, Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_runtime.problems import PROBLEM_JSON

pytestmark = pytest.mark.integration

ALL_STREAMS = (Stream.REFERRALS, Stream.INCIDENT_ALERTS, Stream.BULLETINS)
ROUTES = {
    Scope.REFERRALS_SUBMIT: [("/v1/referrals", referral_body)],
    Scope.ALERTS_PUBLISH: [
        ("/v1/incident-alerts", alert_body),
        ("/v2/incident-alerts", alert_v2_body),
    ],
    Scope.BULLETINS_PUBLISH: [("/v1/bulletins", bulletin_body)],
}


def _assert_insufficient_scope(response: httpx.Response, scope: Scope) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"].endswith("/insufficient-scope")
    assert body["required_scope"] == [scope.value]
    assert f'scope="{scope.value}"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("scope", list(ROUTES))
async def test_intake_each_publish_route_needs_its_own_scope(
    intake: IntakeHarness, scope: Scope
) -> None:
    # Granted on every stream, but the key may only do `scope`: grants are not enough.
    partner = make_partner("multi-agency", publishes=ALL_STREAMS, scopes=[scope])
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(partner, recipient, recipients=(RECIPIENT,))

    for other, routes in ROUTES.items():
        for path, body in routes:
            response = await intake.client.post(path, json=body(), headers=partner.auth)
            if other is scope:
                assert response.status_code == 202, (path, response.text)
                event_id = response.json()["event_id"]
                mine = await intake.client.get(f"/v1/submissions/{event_id}", headers=partner.auth)
                assert mine.status_code == 200, mine.text
            else:
                _assert_insufficient_scope(response, other)
    # Only the allowed submissions reached the outbox.
    assert await intake.outbox_count() == len(ROUTES[scope])


async def test_intake_a_key_without_publish_scopes_may_not_read_submissions_either(
    intake: IntakeHarness,
) -> None:
    full = make_partner("mercy-hospital", publishes=ALL_STREAMS)
    reader = make_partner("city-office", publishes=ALL_STREAMS, scopes=[Scope.REFERRALS_READ])
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    await intake.announce(full, reader, recipient, recipients=(RECIPIENT,))

    accepted = await intake.client.post("/v1/referrals", json=referral_body(), headers=full.auth)
    # The scope is checked before the body: a key without it learns nothing from validation.
    invalid = await intake.client.post("/v1/referrals", json={}, headers=reader.auth)
    lookup = await intake.client.get("/v1/submissions/anything", headers=reader.auth)

    assert accepted.status_code == 202, accepted.text
    _assert_insufficient_scope(invalid, Scope.REFERRALS_SUBMIT)
    assert lookup.status_code == 403
    assert lookup.json()["required_scope"] == [
        Scope.REFERRALS_SUBMIT.value,
        Scope.ALERTS_PUBLISH.value,
        Scope.BULLETINS_PUBLISH.value,
    ]
    assert await intake.outbox_count() == 1
