"""Refusals decided by intake reach the registry's tamper-evident audit log, and it verifies."""

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cvihub_cli.demo import HOSPITAL_KEY, demo_alert, demo_referral
from cvihub_cli.stack import Stack

# Shares the session's hub with the other modules of its group (see conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]

HOSPITAL = "mercy-hospital"


def _until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def test_intake_refusals_are_chained_in_the_registry_audit_log(hub: Stack) -> None:
    assert hub.info is not None
    registry, intake = hub.info.urls["registry"], hub.info.urls["intake"]
    admin = {"Authorization": f"Bearer {hub.info.admin_token}"}
    hospital = {"Authorization": f"Bearer {HOSPITAL_KEY}"}
    forged = {"Authorization": "Bearer cvh_f0f0f0f0f0f0_" + "z" * 30}
    # The hub is shared: only entries appended after this point are this test's.
    newest = httpx.get(f"{registry}/v1/admin/audit", params={"limit": 1}, headers=admin).json()
    watermark = max((entry["id"] for entry in newest), default=0)

    # A hospital may refer but not publish alerts; an unknown key may do nothing.
    not_granted = httpx.post(f"{intake}/v1/incident-alerts", json=demo_alert(), headers=hospital)
    unknown = httpx.post(f"{intake}/v1/referrals", json=demo_referral(), headers=forged)
    # The patient consented to safe-streets only: the referral to peace-collective is refused.
    referral = demo_referral("peace-collective")
    referral["consent"]["recipient_partner_ids"] = ["safe-streets"]
    not_consented = httpx.post(f"{intake}/v1/referrals", json=referral, headers=hospital)
    assert not_granted.status_code == 403
    assert unknown.status_code == 401
    assert not_consented.status_code == 422

    def refusals() -> list[dict[str, Any]]:
        entries = httpx.get(
            f"{registry}/v1/admin/audit",
            params={"action": "access.refused", "limit": 1000},
            headers=admin,
        ).json()
        return [e for e in entries if e["actor"] == "service:intake" and e["id"] > watermark]

    def all_three() -> list[dict[str, Any]] | None:
        found = refusals()
        reasons = {e["detail"]["reason"] for e in found}
        wanted = {"no publish grant", "unknown key", "recipient not covered by consent"}
        return found if wanted <= reasons else None

    found = _until(all_three, 30, "intake's refusals in the registry's audit log")
    by_reason = {e["detail"]["reason"]: e for e in found}
    assert by_reason["no publish grant"]["entity_id"] == HOSPITAL
    assert by_reason["no publish grant"]["detail"]["action"] == "POST /v1/incident-alerts"
    assert by_reason["no publish grant"]["detail"]["credential_id"] == "de0000000001"
    assert by_reason["unknown key"]["entity_id"] is None
    assert by_reason["unknown key"]["detail"]["credential_id"] == "f0f0f0f0f0f0"
    consent = by_reason["recipient not covered by consent"]
    assert consent["entity_id"] == HOSPITAL
    assert consent["detail"]["resource"] == "peace-collective"
    assert consent["detail"]["status_code"] == 422
    for entry in found:
        assert "z" * 30 not in str(entry)  # never the secret of a key
        assert "Jordan" not in str(entry)  # never the patient
    verified = httpx.get(f"{registry}/v1/admin/audit/verify", headers=admin).json()
    assert verified["ok"] is True
    assert verified["checked"] >= len(found)
