"""A consumer killed mid-work loses nothing and acts once: offsets commit only after storage.

The burst is posted from a second thread while the consumer is killed with SIGKILL and
restarted, so it dies with records fetched but not committed, and more arrive while it is down.
"""

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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

# Kills and restarts processes: a hub of its own, its tests kept in one worker.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("crash-safety")]


@pytest.fixture(scope="module")
def hub(fresh_hub: Stack) -> Stack:
    """A hub of this module's own: its tests kill and restart processes."""
    return fresh_hub


BURST = 80


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _wait(check: Callable[[], Any], timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    pytest.fail(f"not reached in {timeout}s; last: {last!r}")


def _post_burst(url: str, key: str, make: Callable[[], dict[str, Any]]) -> list[httpx.Response]:
    with httpx.Client(timeout=10) as client:
        return [client.post(url, json=make(), headers=_bearer(key)) for _ in range(BURST)]


def _kill_and_restart_while_posting(
    hub: Stack, service: str, burst: "Future[list[httpx.Response]]", done: Callable[[], int]
) -> int:
    """Kill the service once it has begun on the burst; return what it had finished."""
    assert hub.info is not None
    finished_at_kill = _wait(done, timeout=60)
    hub.kill(service)
    hub.restart(service)
    burst.result(timeout=120)
    return finished_at_kill


def test_killing_referrals_mid_stream_loses_and_duplicates_nothing(hub: Stack) -> None:
    assert hub.info is not None
    urls = hub.info.urls
    client = httpx.Client(timeout=10)

    def sent() -> list[dict[str, Any]]:
        response = client.get(
            f"{urls['referrals']}/v1/referrals",
            params={"role": "sent", "limit": 500},
            headers=_bearer(HOSPITAL_KEY),
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    before = {r["referral_id"] for r in sent()}
    with ThreadPoolExecutor(1) as pool:
        burst = pool.submit(
            _post_burst, f"{urls['intake']}/v1/referrals", HOSPITAL_KEY, demo_referral
        )
        finished = _kill_and_restart_while_posting(
            hub, "referrals", burst, lambda: len({r["referral_id"] for r in sent()} - before)
        )
        posted = burst.result()

    assert [p.status_code for p in posted] == [202] * BURST
    ids = {p.json()["referral_id"] for p in posted}
    assert finished < BURST, "the consumer finished everything before the kill: nothing tested"
    _wait(lambda: {r["referral_id"] for r in sent()} >= ids)
    mine = [r for r in sent() if r["referral_id"] in ids]
    assert len(mine) == BURST, "a referral was stored twice"
    assert {r["status"] for r in mine} == {"requested"}
    received = client.get(
        f"{urls['referrals']}/v1/referrals",
        params={"role": "received", "limit": 500},
        headers=_bearer(OUTREACH_KEY),
    ).json()
    assert ids <= {r["referral_id"] for r in received}
    client.close()


def test_killing_notifications_mid_stream_still_delivers_every_alert(hub: Stack) -> None:
    assert hub.info is not None
    urls, sink = hub.info.urls, hub.info.sink_url
    client = httpx.Client(timeout=10)

    def received() -> list[str]:
        items = client.get(
            f"{sink}/received", params={"partner_id": "safe-streets", "type": INCIDENT_ALERT}
        ).json()
        return [i["message"]["data"]["alert_id"] for i in items]

    before = set(received())
    with ThreadPoolExecutor(1) as pool:
        burst = pool.submit(
            _post_burst, f"{urls['intake']}/v1/incident-alerts", POLICE_KEY, demo_alert
        )
        finished = _kill_and_restart_while_posting(
            hub, "notifications", burst, lambda: len(set(received()) - before)
        )
        posted = burst.result()

    assert [p.status_code for p in posted] == [202] * BURST
    ids = {p.json()["alert_id"] for p in posted}
    assert finished < BURST, "notifications finished everything before the kill: nothing tested"
    _wait(lambda: set(received()) >= ids)
    deliveries = client.get(
        f"{urls['notifications']}/v1/deliveries",
        params={"limit": 200},
        headers=_bearer(OUTREACH_KEY),
    ).json()["items"]
    event_ids = [d["event_id"] for d in deliveries if d["event_type"] == INCIDENT_ALERT]
    assert len(event_ids) == len(set(event_ids)), "an event got two delivery records"
    client.close()


def test_a_registry_outage_stops_no_submission_and_no_delivery(hub: Stack) -> None:
    assert hub.info is not None
    urls, sink = hub.info.urls, hub.info.sink_url
    hub.kill("registry")
    try:
        with httpx.Client(timeout=10) as client:
            alert = client.post(
                f"{urls['intake']}/v1/incident-alerts",
                json=demo_alert(),
                headers=_bearer(POLICE_KEY),
            )
            referral = client.post(
                f"{urls['intake']}/v1/referrals",
                json=demo_referral(),
                headers=_bearer(HOSPITAL_KEY),
            )
            assert (alert.status_code, referral.status_code) == (202, 202)
            alert_id, referral_id = alert.json()["alert_id"], referral.json()["referral_id"]

            def alert_delivered() -> bool:
                items = client.get(
                    f"{sink}/received",
                    params={"partner_id": "safe-streets", "type": INCIDENT_ALERT},
                ).json()
                return alert_id in {i["message"]["data"]["alert_id"] for i in items}

            def accepted() -> bool:
                response = client.post(
                    f"{urls['referrals']}/v1/referrals/{referral_id}/accept",
                    json={},
                    headers=_bearer(OUTREACH_KEY),
                )
                return response.status_code == 200

            _wait(alert_delivered, timeout=30)
            _wait(accepted, timeout=30)
    finally:
        hub.restart("registry")
