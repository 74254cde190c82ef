"""The demo: a hospital refers a patient, a CVI org accepts, police publish an alert."""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cvihub_cli.stack_info import StackInfo

HOSPITAL_KEY = "cvh_de0000000001_demo-mercy-hospital-key-not-for-production"
POLICE_KEY = "cvh_de0000000002_demo-metro-police-key-not-for-production"
OUTREACH_KEY = "cvh_de0000000003_demo-safe-streets-key-not-for-production"
PEACE_KEY = "cvh_de0000000004_demo-peace-collective-key-not-for-production"

REFERRAL_SUBMITTED = "org.cvihub.referral.submitted"
REFERRAL_STATUS_CHANGED = "org.cvihub.referral.status-changed"
INCIDENT_ALERT = "org.cvihub.incident-alert.published"


@dataclass
class DemoStep:
    """One thing the demo did and whether it worked."""

    name: str
    ok: bool
    detail: str


@dataclass
class DemoResult:
    """Every step, in order."""

    steps: list[DemoStep] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)


def demo_referral(recipient: str = "safe-streets") -> dict[str, Any]:
    """A referral as a hospital's system would post it (fictitious patient)."""
    now = datetime.now(UTC)
    return {
        "recipient_partner_id": recipient,
        "patient": {
            "given_name": "Jordan",
            "family_name": "Example",
            "phone": "+13125550143",
            "preferred_channel": "sms",
            "preferred_language": "en",
        },
        "injury": {"mechanism": "gunshot", "injured_on": now.date().isoformat()},
        "consent": {
            "consented_by": "patient",
            "consented_at": now.isoformat(),
            "recipient_partner_ids": [recipient],
            "scope": ["contact", "injury"],
            "expires_at": (now + timedelta(days=90)).isoformat(),
        },
        "referring_contact": {"name": "A. Rivera, VIP specialist", "phone": "+13125550100"},
        "reason": "Gunshot wound to the leg; patient asks for a mentor.",
        "requested_services": ["mentoring", "safety planning"],
        "urgency": "urgent",
    }


def demo_alert() -> dict[str, Any]:
    """An incident alert as a police CAD system would post it."""
    return {
        "source_incident_id": f"CAD-{uuid.uuid4().hex[:8].upper()}",
        "revision": 1,
        "occurred_at": datetime.now(UTC).isoformat(),
        "location": {
            "block_address": "1200 block of W Example Ave",
            "zone": "north",
            "beat": "1113",
        },
        "incident_type": "shooting",
        "victim_count": 1,
        "severity": "serious",
        "weapon_type": "handgun",
        "reviewed": True,
    }


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def wait_for(check: Callable[[], Any], timeout: float) -> Any:
    """What `check` first returns that is true, polled until `timeout`; None after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    return None


def received(
    client: httpx.Client,
    info: StackInfo,
    partner: str,
    event_type: str,
    match: Callable[[dict[str, Any]], bool],
) -> list[dict[str, Any]]:
    """What the demo sink received for a partner, of a type, whose data matches."""
    items = client.get(
        f"{info.sink_url}/received", params={"partner_id": partner, "type": event_type}
    ).json()
    return [item for item in items if match(item["message"].get("data", {}))]


def run_demo(
    info: StackInfo, *, report: Callable[[DemoStep], None], timeout: float = 15.0
) -> DemoResult:
    """Walk a referral through the closed loop and an alert to its subscribers."""
    result = DemoResult()

    def step(name: str, ok: bool, detail: str) -> bool:
        result.steps.append(DemoStep(name, ok, detail))
        report(result.steps[-1])
        return ok

    with httpx.Client(timeout=10.0) as client:
        posted = client.post(
            f"{info.urls['intake']}/v1/referrals",
            json=demo_referral(),
            headers=_bearer(HOSPITAL_KEY),
        )
        if not step(
            "hospital posts a referral",
            posted.status_code == 202,
            f"HTTP {posted.status_code} {posted.json()}",
        ):
            return result
        referral_id = posted.json()["referral_id"]

        arrived = wait_for(
            lambda: received(
                client,
                info,
                "safe-streets",
                REFERRAL_SUBMITTED,
                lambda d: d.get("referral_id") == referral_id,
            ),
            timeout,
        )
        step(
            "CVI org's webhook receives it, signature verified",
            bool(arrived),
            f"referral {referral_id}" if arrived else f"nothing after {timeout}s",
        )

        def accept() -> httpx.Response | None:
            response = client.post(
                f"{info.urls['referrals']}/v1/referrals/{referral_id}/accept",
                json={},
                headers=_bearer(OUTREACH_KEY),
            )
            return response if response.status_code != 404 else None

        accepted = wait_for(accept, timeout)
        step(
            "CVI org accepts",
            accepted is not None and accepted.status_code == 200,
            f"HTTP {accepted.status_code}" if accepted is not None else "referral never appeared",
        )

        def hospital_view() -> str | None:
            response = client.get(
                f"{info.urls['referrals']}/v1/referrals/{referral_id}",
                headers=_bearer(HOSPITAL_KEY),
            )
            status = response.json().get("status") if response.status_code == 200 else None
            return status if status == "accepted" else None

        status = wait_for(hospital_view, timeout)
        step("hospital sees the status", status == "accepted", f"status: {status}")

        notified = wait_for(
            lambda: received(
                client,
                info,
                "mercy-hospital",
                REFERRAL_STATUS_CHANGED,
                lambda d: d.get("referral_id") == referral_id,
            ),
            timeout,
        )
        step(
            "hospital's webhook is told of the acceptance",
            bool(notified),
            "status-changed delivered" if notified else f"nothing after {timeout}s",
        )

        alert = demo_alert()
        posted = client.post(
            f"{info.urls['intake']}/v1/incident-alerts", json=alert, headers=_bearer(POLICE_KEY)
        )
        if not step(
            "police publish an incident alert",
            posted.status_code == 202,
            f"HTTP {posted.status_code}",
        ):
            return result
        alert_id = posted.json()["alert_id"]
        got = wait_for(
            lambda: received(
                client,
                info,
                "safe-streets",
                INCIDENT_ALERT,
                lambda d: d.get("alert_id") == alert_id,
            ),
            timeout,
        )
        redacted = bool(got) and "source_incident_id" not in got[0]["message"]["data"]
        step(
            "subscribed CVI org receives the alert, CAD number withheld",
            bool(got) and redacted,
            "delivered without criminal-justice fields"
            if got and redacted
            else ("delivered WITH criminal-justice fields" if got else f"nothing after {timeout}s"),
        )
        time.sleep(1.0)
        leaked = received(
            client,
            info,
            "peace-collective",
            INCIDENT_ALERT,
            lambda d: d.get("alert_id") == alert_id,
        )
        step(
            "an org without an alerts grant receives nothing",
            not leaked,
            "nothing delivered" if not leaked else "it received the alert",
        )
    return result
