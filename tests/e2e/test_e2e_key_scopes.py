"""A key issued with scopes at the registry is held to them by intake, referrals and
notifications, across processes, once the registry's event reaches their copies."""

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cvihub_cli.demo import demo_alert, demo_referral
from cvihub_cli.stack import Stack

# Shares the session's hub with the other modules of its group (see conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]


def _until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _insufficient(response: httpx.Response, scope: str) -> bool:
    return (
        response.status_code == 403
        and response.json()["type"].endswith("/insufficient-scope")
        and f'scope="{scope}"' in response.headers.get("www-authenticate", "")
    )


def _answer_once_known(url: str, key: dict[str, str]) -> httpx.Response:
    """GET `url` until the service's registry copy knows the key (anything but 401)."""

    def known() -> httpx.Response | None:
        response = httpx.get(url, headers=key)
        return response if response.status_code != 401 else None

    answer: httpx.Response = _until(known, 30, f"{url} to know the key")
    return answer


def test_a_scoped_key_is_held_to_its_scopes_in_every_service(hub: Stack) -> None:
    assert hub.info is not None
    urls = hub.info.urls
    admin = {"Authorization": f"Bearer {hub.info.admin_token}"}

    # The hospital (referrals publish and subscribe grants) gets a key that may only submit.
    issued = httpx.post(
        f"{urls['registry']}/v1/admin/partners/mercy-hospital/keys",
        json={"scopes": ["referrals:submit"]},
        headers=admin,
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["scopes"] == ["referrals:submit"]
    key = {"Authorization": f"Bearer {issued.json()['api_key']}"}

    def submitted() -> httpx.Response | None:
        posted = httpx.post(
            f"{urls['intake']}/v1/referrals", json=demo_referral("safe-streets"), headers=key
        )
        return posted if posted.status_code == 202 else None

    accepted = _until(submitted, 30, "intake to know the scoped key")
    event_id = accepted.json()["event_id"]
    assert httpx.get(f"{urls['intake']}/v1/submissions/{event_id}", headers=key).is_success

    # Granted or not, what the key was not given is refused everywhere, with the scope named.
    alert = httpx.post(f"{urls['intake']}/v1/incident-alerts", json=demo_alert(), headers=key)
    assert _insufficient(alert, "alerts:publish"), alert.text
    read = _answer_once_known(f"{urls['referrals']}/v1/referrals", key)
    assert _insufficient(read, "referrals:read"), read.text
    deliveries = _answer_once_known(f"{urls['notifications']}/v1/deliveries", key)
    assert _insufficient(deliveries, "deliveries:read"), deliveries.text
    directory = httpx.get(f"{urls['registry']}/v1/directory", headers=key)
    assert _insufficient(directory, "directory:read"), directory.text

    # The registry audited its own refusal; the chain still verifies.
    audit = httpx.get(
        f"{urls['registry']}/v1/admin/audit", params={"limit": 1000}, headers=admin
    ).json()
    assert any(
        e["action"] == "access.refused"
        and e["entity_id"] == issued.json()["credential_id"]
        and e["detail"].get("reason") == "insufficient-scope"
        for e in audit
    )
    verified = httpx.get(f"{urls['registry']}/v1/admin/audit/verify", headers=admin).json()
    assert verified["ok"] is True


def test_a_revoked_key_is_refused_by_every_service_within_seconds(hub: Stack) -> None:
    assert hub.info is not None
    urls = hub.info.urls
    admin = {"Authorization": f"Bearer {hub.info.admin_token}"}
    issued = httpx.post(
        f"{urls['registry']}/v1/admin/partners/mercy-hospital/keys", headers=admin
    ).json()
    key = {"Authorization": f"Bearer {issued['api_key']}"}
    # One authenticated read per service: 401 only while (or once) the key is not accepted.
    probes = {
        "registry": f"{urls['registry']}/v1/partners/me",
        "intake": f"{urls['intake']}/v1/submissions/00000000-0000-4000-8000-000000000000",
        "referrals": f"{urls['referrals']}/v1/referrals",
        "notifications": f"{urls['notifications']}/v1/deliveries",
    }
    for url in probes.values():
        assert _answer_once_known(url, key).status_code in {200, 404}

    revoke_started = time.monotonic()
    revoked = httpx.delete(
        f"{urls['registry']}/v1/admin/keys/{issued['credential_id']}", headers=admin
    )
    assert revoked.status_code == 204
    refused_after: dict[str, float] = {}
    while len(refused_after) < len(probes) and time.monotonic() - revoke_started < 10:
        for name, url in probes.items():
            if name not in refused_after and httpx.get(url, headers=key).status_code == 401:
                refused_after[name] = time.monotonic() - revoke_started
        time.sleep(0.02)
    print(
        "\nkey revocation refused after: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(refused_after.items()))
    )
    assert set(refused_after) == set(probes), f"still accepted 10 s after revoking: {probes}"
    assert max(refused_after.values()) < 5.0
    # Refused for good: no service takes it back.
    for url in probes.values():
        assert httpx.get(url, headers=key).status_code == 401
