"""The walking skeleton end to end: real processes, real broker, real databases."""

import time

import httpx
import pytest
from typer.testing import CliRunner

from cvihub_cli.demo import (
    HOSPITAL_KEY,
    INCIDENT_ALERT,
    OUTREACH_KEY,
    POLICE_KEY,
    REFERRAL_SUBMITTED,
    DemoStep,
    demo_alert,
    demo_referral,
    run_demo,
)
from cvihub_cli.main import app as cli
from cvihub_cli.stack import Stack

BULLETIN = "org.cvihub.bulletin.published"

# Shares the session's hub with the other modules of its group (see conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]


def _received(stack: Stack, partner: str, event_type: str) -> list[dict]:
    assert stack.info is not None
    return httpx.get(
        f"{stack.info.sink_url}/received", params={"partner_id": partner, "type": event_type}
    ).json()


def test_demo_closes_the_referral_loop_and_fans_out_the_alert(hub: Stack) -> None:
    assert hub.info is not None
    steps: list[DemoStep] = []

    result = run_demo(hub.info, report=steps.append, timeout=30.0)

    assert [(s.name, s.ok) for s in steps] == [
        ("hospital posts a referral", True),
        ("CVI org's webhook receives it, signature verified", True),
        ("CVI org accepts", True),
        ("hospital sees the status", True),
        ("hospital's webhook is told of the acceptance", True),
        ("police publish an incident alert", True),
        ("subscribed CVI org receives the alert, CAD number withheld", True),
        ("an org without an alerts grant receives nothing", True),
    ], [s.detail for s in steps]
    assert result.ok


def test_the_status_and_demo_commands_work_against_a_running_hub(hub: Stack) -> None:
    runner = CliRunner()

    status = runner.invoke(cli, ["status", "--data-dir", str(hub.config.data_dir)])
    demo = runner.invoke(cli, ["demo", "--data-dir", str(hub.config.data_dir)])

    assert status.exit_code == 0, status.output
    assert status.output.count(" ok ") == len(hub.config.ports)  # every service and the portal
    assert demo.exit_code == 0, demo.output
    assert demo.output.count("✔") == 8
    assert "✘" not in demo.output


def test_referral_delivery_carries_identity_for_the_consented_recipient_only(hub: Stack) -> None:
    assert hub.info is not None
    posted = httpx.post(
        f"{hub.info.urls['intake']}/v1/referrals",
        json=demo_referral("safe-streets"),
        headers={"Authorization": f"Bearer {HOSPITAL_KEY}"},
    )
    assert posted.status_code == 202
    referral_id = posted.json()["referral_id"]

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mine = [
            item
            for item in _received(hub, "safe-streets", REFERRAL_SUBMITTED)
            if item["message"]["data"]["referral_id"] == referral_id
        ]
        if mine:
            break
        time.sleep(0.1)
    assert len(mine) == 1
    assert mine[0]["message"]["data"]["patient"]["given_name"] == "Jordan"
    others = [
        item
        for item in _received(hub, "peace-collective", REFERRAL_SUBMITTED)
        if item["message"]["data"]["referral_id"] == referral_id
    ]
    assert others == []


def test_bad_input_gets_problem_details_and_nothing_is_published(hub: Stack) -> None:
    assert hub.info is not None
    before = len(_received(hub, "safe-streets", REFERRAL_SUBMITTED))
    referral = demo_referral()
    referral["patient"]["phone"] = "call me"
    del referral["injury"]

    response = httpx.post(
        f"{hub.info.urls['intake']}/v1/referrals",
        json=referral,
        headers={"Authorization": f"Bearer {HOSPITAL_KEY}"},
    )

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert {"#/patient/phone", "#/injury"} <= pointers
    assert "call me" not in response.text
    time.sleep(1.0)
    assert len(_received(hub, "safe-streets", REFERRAL_SUBMITTED)) == before


def test_partners_cannot_publish_without_a_grant_or_read_others_referrals(hub: Stack) -> None:
    assert hub.info is not None
    alert_by_outreach = httpx.post(
        f"{hub.info.urls['intake']}/v1/incident-alerts",
        json=demo_alert(),
        headers={"Authorization": f"Bearer {OUTREACH_KEY}"},
    )
    referral_by_police = httpx.post(
        f"{hub.info.urls['intake']}/v1/referrals",
        json=demo_referral(),
        headers={"Authorization": f"Bearer {POLICE_KEY}"},
    )
    anonymous = httpx.post(f"{hub.info.urls['intake']}/v1/incident-alerts", json=demo_alert())

    assert alert_by_outreach.status_code == 403
    assert referral_by_police.status_code == 403
    assert anonymous.status_code == 401
    listed = httpx.get(
        f"{hub.info.urls['referrals']}/v1/referrals",
        headers={"Authorization": f"Bearer {POLICE_KEY}"},
    )
    assert listed.status_code == 200
    assert listed.json() == [] or all(
        "metro-police" in (r["referring_partner_id"], r["recipient_partner_id"])
        for r in listed.json()
    )


def _wait_received(stack: Stack, partner: str, event_type: str, key: str, value: str) -> list:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [
            item
            for item in _received(stack, partner, event_type)
            if item["message"]["data"].get(key) == value
        ]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_alerts_of_either_version_reach_subscribers_as_the_newest(hub: Stack) -> None:
    assert hub.info is not None
    police = {"Authorization": f"Bearer {POLICE_KEY}"}
    v1 = httpx.post(
        f"{hub.info.urls['intake']}/v1/incident-alerts", json=demo_alert(), headers=police
    )
    v2_body = {k: v for k, v in demo_alert().items() if k not in {"victim_count", "reviewed"}}
    v2_body |= {
        "victims": [{"severity": "critical", "age_group": "teen"}],
        "verification": "verified_on_scene",
    }
    v2 = httpx.post(f"{hub.info.urls['intake']}/v2/incident-alerts", json=v2_body, headers=police)
    assert (v1.status_code, v2.status_code) == (202, 202)

    from_v1 = _wait_received(hub, "safe-streets", INCIDENT_ALERT, "alert_id", v1.json()["alert_id"])
    from_v2 = _wait_received(hub, "safe-streets", INCIDENT_ALERT, "alert_id", v2.json()["alert_id"])

    assert len(from_v1) == 1 and len(from_v2) == 1
    for item in (from_v1[0], from_v2[0]):
        assert item["message"]["dataschema"].endswith("/v2.0.json")
    assert from_v1[0]["message"]["data"]["verification"] == "verified_by_dispatch"
    assert from_v2[0]["message"]["data"]["victims"][0]["severity"] == "critical"


def test_a_bulletin_reaches_the_network_but_not_its_publisher(hub: Stack) -> None:
    assert hub.info is not None
    posted = httpx.post(
        f"{hub.info.urls['intake']}/v1/bulletins",
        json={
            "kind": "resource",
            "title": "Relocation fund",
            "summary": "Emergency moves.",
            "url": "https://example.org/fund",
            "tags": ["relocation"],
        },
        headers={"Authorization": f"Bearer {OUTREACH_KEY}"},
    )
    assert posted.status_code == 202, posted.text
    bulletin_id = posted.json()["bulletin_id"]

    for partner in ("peace-collective", "mercy-hospital"):
        got = _wait_received(hub, partner, BULLETIN, "bulletin_id", bulletin_id)
        assert [g["message"]["data"]["title"] for g in got] == ["Relocation fund"]
    own = [
        i
        for i in _received(hub, "safe-streets", BULLETIN)
        if i["message"]["data"]["bulletin_id"] == bulletin_id
    ]
    assert own == []


def test_revoking_a_grant_stops_delivery_within_seconds(hub: Stack) -> None:
    assert hub.info is not None
    admin = {"Authorization": f"Bearer {hub.info.admin_token}"}
    registry = hub.info.urls["registry"]
    grants = httpx.get(
        f"{registry}/v1/admin/grants", params={"partner_id": "safe-streets"}, headers=admin
    ).json()
    alerts_grant = next(
        g
        for g in grants
        if g["stream"] == "incident-alerts"
        and g["action"] == "subscribe"
        and g["status"] == "active"
    )

    try:
        revoked = httpx.delete(
            f"{registry}/v1/admin/grants/{alerts_grant['grant_id']}", headers=admin
        )
        assert revoked.status_code == 204
        revoked_at = time.monotonic()

        # Post an alert every half second until one is not delivered: that is when the revocation
        # reached notifications. It must happen within 5 s.
        delivered_after_revocation = 0
        while time.monotonic() - revoked_at < 5:
            posted = httpx.post(
                f"{hub.info.urls['intake']}/v1/incident-alerts",
                json=demo_alert(),
                headers={"Authorization": f"Bearer {POLICE_KEY}"},
            )
            alert_id = posted.json()["alert_id"]
            time.sleep(1.5)
            got = [
                item
                for item in _received(hub, "safe-streets", INCIDENT_ALERT)
                if item["message"]["data"]["alert_id"] == alert_id
            ]
            if not got:
                break
            delivered_after_revocation += 1
        else:
            pytest.fail(
                f"alerts still delivered 5 s after revocation ({delivered_after_revocation})"
            )
    finally:
        # The hub is shared with other modules: give safe-streets the same grant again.
        terms = ("purpose", "agreement_ref", "zones", "addressed_only", "field_view")
        regranted = httpx.post(
            f"{registry}/v1/admin/grants",
            json={
                "partner_id": "safe-streets",
                "stream": "incident-alerts",
                "action": "subscribe",
                **{
                    name: alerts_grant[name] for name in terms if alerts_grant.get(name) is not None
                },
            },
            headers=admin,
        )
        assert regranted.status_code == 201, regranted.text
    audit = httpx.get(f"{registry}/v1/admin/audit", headers=admin).json()
    assert any(entry["entity_id"] == alerts_grant["grant_id"] for entry in audit)
