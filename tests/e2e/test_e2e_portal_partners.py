"""Through the portal a person sees only what their own partner may: someone of another
organisation asking for a referral by its id gets the same 404 as for one that does not exist,
and cannot move it (no browser: the portal's API with its session cookie)."""

import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from portal_browser import (
    SAFE_STREETS_KEY,
    latest_code,
    received_referral,
    refer_to_safe_streets,
    until,
)

from cvihub_cli.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]


def signed_in(portal: str, registry: str, admin_token: str, email: str) -> httpx.Client:
    """A portal client holding a session cookie for `email`."""
    client = httpx.Client(base_url=portal, timeout=20, headers={"X-Portal": "1"})
    asked = datetime.now().astimezone() - timedelta(seconds=1)
    assert client.post("/api/auth/code", json={"email": email}).status_code == 202
    code = latest_code(registry, admin_token, email, asked)
    answer = client.post("/api/auth/session", json={"email": email, "code": code})
    assert answer.status_code == 200, answer.text
    return client


def test_another_organisation_gets_nothing_of_a_referral_through_the_portal(hub: Stack) -> None:
    assert hub.info is not None
    urls, admin = hub.info.urls, hub.info.admin_token
    patient = f"Matrix{uuid.uuid4().hex[:8]}"
    refer_to_safe_streets(urls["intake"], patient, mechanism="stabbing")
    referral_id = until(
        lambda: received_referral(urls["referrals"], patient), timeout=15, message="no referral"
    )
    outsider_email = f"mentor-{uuid.uuid4().hex[:8]}@peacecollective.example.org"
    added = httpx.post(
        f"{urls['registry']}/v1/admin/partners/peace-collective/people",
        json={"email": outsider_email, "display_name": "Mentor", "role": "case_manager"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert added.status_code == 201, added.text

    outsider = signed_in(urls["portal"], urls["registry"], admin, outsider_email)
    try:
        # The portal's key for a partner new to it reaches each service within seconds (503
        # with Retry-After until then).
        listed = until(
            lambda: (r := outsider.get("/api/referrals")).status_code == 200 and r,
            timeout=15,
            message="the new partner key is not known yet",
        )
        mine = {r["referral_id"] for r in listed.json()}
        assert referral_id not in mine
        seen = outsider.get(f"/api/referrals/{referral_id}")
        missing = outsider.get(f"/api/referrals/{uuid.uuid4()}")
        assert seen.status_code == missing.status_code == 404
        assert seen.json()["type"] == missing.json()["type"]
        key = {"Idempotency-Key": f"matrix-{uuid.uuid4().hex}"}
        for move, body in (("accept", None), ("decline", {"reason": "other"})):
            answer = outsider.post(f"/api/referrals/{referral_id}/{move}", json=body, headers=key)
            assert answer.status_code == 404, answer.text
            key = {"Idempotency-Key": f"matrix-{uuid.uuid4().hex}"}
        for path, body in (
            ("contact-attempts", {"method": "phone", "outcome": "reached"}),
            ("services", {"service_type": "mentoring", "service_date": "2026-12-01"}),
        ):
            recorded = outsider.post(f"/api/referrals/{referral_id}/{path}", json=body, headers=key)
            assert recorded.status_code == 404, recorded.text
            key = {"Idempotency-Key": f"matrix-{uuid.uuid4().hex}"}
        # A case manager manages no one's people (the registry says: only a partner_admin).
        assert outsider.get("/api/admin/people").status_code == 403
    finally:
        outsider.close()

    safe_streets = {"Authorization": f"Bearer {SAFE_STREETS_KEY}"}
    still = httpx.get(f"{urls['referrals']}/v1/referrals/{referral_id}", headers=safe_streets)
    assert still.json()["status"] == "requested"
