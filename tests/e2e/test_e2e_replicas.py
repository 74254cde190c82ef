"""Two replicas of a service share its database and consumer group: when one dies, the other
carries on alone, and nothing is lost or stored twice.

PostgreSQL only: replicas need row locks (FOR UPDATE SKIP LOCKED) to share a delivery queue;
the embedded SQLite default is a single-replica set-up.
"""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from cvihub_cli.demo import (
    HOSPITAL_KEY,
    INCIDENT_ALERT,
    OUTREACH_KEY,
    POLICE_KEY,
    demo_alert,
    demo_referral,
)
from cvihub_cli.stack import Stack
from cvihub_testkit import test_database_kind as database_kind

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("replicas"),
    pytest.mark.skipif(
        database_kind() != "postgresql", reason="replicas share a PostgreSQL database"
    ),
]


@pytest.fixture(scope="module")
def hub(fresh_hub: Stack) -> Stack:
    """A hub of this module's own: its tests kill and add processes."""
    return fresh_hub


BURST = 60


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _wait(check: Callable[[], Any], timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    pytest.fail(f"not reached in {timeout}s; last: {last!r}")


def test_a_second_replica_takes_over_when_the_first_dies(hub: Stack) -> None:
    assert hub.info is not None
    intake, sink = hub.info.urls["intake"], hub.info.sink_url
    referrals_2 = hub.add_replica("referrals")
    notifications_2 = hub.add_replica("notifications")
    client = httpx.Client(timeout=10)

    def post_burst() -> tuple[set[str], set[str]]:
        with httpx.Client(timeout=10) as poster:
            referrals, alerts = set(), set()
            for _ in range(BURST):
                r = poster.post(
                    f"{intake}/v1/referrals", json=demo_referral(), headers=_bearer(HOSPITAL_KEY)
                )
                a = poster.post(
                    f"{intake}/v1/incident-alerts", json=demo_alert(), headers=_bearer(POLICE_KEY)
                )
                assert (r.status_code, a.status_code) == (202, 202)
                referrals.add(r.json()["referral_id"])
                alerts.add(a.json()["alert_id"])
            return referrals, alerts

    def delivered_alerts() -> list[str]:
        items = client.get(
            f"{sink}/received", params={"partner_id": "safe-streets", "type": INCIDENT_ALERT}
        ).json()
        return [i["message"]["data"]["alert_id"] for i in items]

    def stored_referrals() -> list[str]:
        response = client.get(
            f"{referrals_2}/v1/referrals",
            params={"role": "sent", "limit": 500},
            headers=_bearer(HOSPITAL_KEY),
        )
        assert response.status_code == 200, response.text
        return [r["referral_id"] for r in response.json()]

    with ThreadPoolExecutor(1) as pool:
        burst = pool.submit(post_burst)
        _wait(lambda: delivered_alerts() and stored_referrals(), timeout=60)
        hub.kill("referrals")  # the first replicas die; the second ones must carry on
        hub.kill("notifications")
        referral_ids, alert_ids = burst.result(timeout=180)

    _wait(lambda: set(stored_referrals()) >= referral_ids)
    _wait(lambda: set(delivered_alerts()) >= alert_ids)
    mine = [r for r in stored_referrals() if r in referral_ids]
    assert len(mine) == len(referral_ids) == BURST, "a referral was lost or stored twice"
    deliveries = client.get(
        f"{notifications_2}/v1/deliveries", params={"limit": 200}, headers=_bearer(OUTREACH_KEY)
    ).json()["items"]
    alert_events = [d["event_id"] for d in deliveries if d["event_type"] == INCIDENT_ALERT]
    assert len(alert_events) == len(set(alert_events)), "an event got two delivery records"
    client.close()
