"""A consumer killed mid-work loses nothing and acts once: offsets commit only after storage."""

import time

import httpx
import pytest

from cvihub_cli.demo import HOSPITAL_KEY, INCIDENT_ALERT, POLICE_KEY, demo_alert, demo_referral
from cvihub_cli.stack import Stack

pytestmark = pytest.mark.e2e

BURST = 40


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _wait(check, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    pytest.fail(f"not reached in {timeout}s; last: {last!r}")


def test_killing_referrals_mid_stream_loses_and_duplicates_nothing(hub: Stack) -> None:
    assert hub.info is not None
    urls = hub.info.urls
    with httpx.Client(timeout=10) as client:
        posted = [
            client.post(
                f"{urls['intake']}/v1/referrals",
                json=demo_referral(),
                headers=_bearer(HOSPITAL_KEY),
            )
            for _ in range(BURST)
        ]
        assert [p.status_code for p in posted] == [202] * BURST
        ids = {p.json()["referral_id"] for p in posted}

        def stored() -> int:
            response = client.get(
                f"{urls['referrals']}/v1/referrals",
                params={"role": "sent"},
                headers=_bearer(HOSPITAL_KEY),
            )
            return len({r["referral_id"] for r in response.json()} & ids)

        # Kill it as soon as it has started on the burst, so it dies with work in hand.
        _wait(lambda: stored() >= 1, timeout=30)
        hub.kill("referrals")
        hub.restart("referrals", kafka=hub.info.kafka)

        _wait(lambda: stored() == BURST)
        listed = client.get(
            f"{urls['referrals']}/v1/referrals",
            params={"role": "sent"},
            headers=_bearer(HOSPITAL_KEY),
        ).json()
        mine = [r for r in listed if r["referral_id"] in ids]
        assert len(mine) == BURST, "a referral was stored twice"
        assert {r["status"] for r in mine} == {"requested"}


def test_killing_notifications_mid_stream_still_delivers_every_alert(hub: Stack) -> None:
    assert hub.info is not None
    urls = hub.info.urls
    with httpx.Client(timeout=10) as client:
        posted = [
            client.post(
                f"{urls['intake']}/v1/incident-alerts",
                json=demo_alert(),
                headers=_bearer(POLICE_KEY),
            )
            for _ in range(BURST)
        ]
        assert [p.status_code for p in posted] == [202] * BURST
        ids = {p.json()["alert_id"] for p in posted}

        def received() -> set[str]:
            items = client.get(
                f"{hub.info.sink_url}/received",  # type: ignore[union-attr]
                params={"partner_id": "safe-streets", "type": INCIDENT_ALERT},
            ).json()
            return {i["message"]["data"]["alert_id"] for i in items} & ids

        _wait(lambda: len(received()) >= 1, timeout=30)
        hub.kill("notifications")
        hub.restart("notifications", kafka=hub.info.kafka)

        assert _wait(lambda: received() == ids) == ids
        deliveries = client.get(
            f"{urls['notifications']}/v1/deliveries",
            params={"limit": 200},
            headers=_bearer("cvh_de0000000003_demo-safe-streets-key-not-for-production"),
        ).json()["items"]
        alert_deliveries = [d for d in deliveries if d["event_type"] == INCIDENT_ALERT]
        event_ids = [d["event_id"] for d in alert_deliveries]
        assert len(event_ids) == len(set(event_ids)), "an event got two delivery records"
