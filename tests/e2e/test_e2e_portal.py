"""The portal in a real browser against a real hub: a nurse posts a referral from the form, an
outreach worker sees an alert arrive live, goes offline, logs a contact attempt and marks the
alert handled, comes back online, and each action lands once; the poor-signal budgets; Spanish.

Debian's Chromium through Playwright; each test leaves the hub as a partner would."""

import time
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page
from portal_browser import (
    MERCY_KEY,
    NURSE,
    SPANISH,
    WORKER,
    chromium,
    phone,
    received_referral,
    screenshot,
    serious_accessibility_violations,
    sign_in,
    until,
)

from cvihub_cli.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]

POLICE_KEY = "cvh_de0000000002_demo-metro-police-key-not-for-production"
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}
"""400 kbit/s each way (bytes per second), 400 ms round trip."""


def publish_alert(intake: str, source_id: str, occurred_at: str = "2026-01-15T10:00:00Z") -> str:
    """The police partner publishes a shooting in the north zone; the alert's id.

    A CVI organisation never sees `source_id` (the CAD number is CJI), nor the subject built
    from it: its screens know the alert by its id."""
    alert = {
        "source_incident_id": source_id,
        "revision": 1,
        "occurred_at": occurred_at,
        "incident_type": "shooting",
        "verification": "verified_by_dispatch",
        "location": {"zone": "north", "block_address": "1200 block of W Main St"},
    }
    answer = httpx.post(
        f"{intake}/v2/incident-alerts",
        json=alert,
        headers={"Authorization": f"Bearer {POLICE_KEY}"},
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["alert_id"])


def notifications_caught_up(urls: dict[str, str]) -> bool:
    """Whether notifications' registry copy holds the registry's newest change (so the inbox the
    portal gave the partner at its first sign-in is in force there)."""

    def progress(url: str) -> dict[str, int]:
        return dict(httpx.get(f"{url}/health").json().get("progress", {}))

    target = progress(urls["registry"])["registry_sequence"]
    return progress(urls["notifications"]).get("registry_copy_sequence", -1) >= target


def api(page: Page, path: str, action: dict[str, Any] | None = None) -> dict[str, Any]:
    """Call the portal from the signed-in page: GET a path, or send a queued action again."""
    script = """async ([path, action]) => {
        const headers = {"Content-Type": "application/json", "X-Portal": "1"};
        const init = action ? {method: "POST", body: JSON.stringify(action.body),
            headers: {...headers, "Idempotency-Key": action.key}} : {};
        const r = await fetch(path, init);
        const replayed = r.headers.get("Idempotent-Replayed");
        return {status: r.status, replayed, body: await r.json()};
    }"""
    result: dict[str, Any] = page.evaluate(script, [path, action])
    return result


def nurse_view(referrals: str, referral_id: str) -> list[dict[str, Any]] | None:
    """The activities Mercy General (the referrer) reads on the referral, once a service is
    among them."""
    headers = {"Authorization": f"Bearer {MERCY_KEY}"}
    detail = httpx.get(f"{referrals}/v1/referrals/{referral_id}", headers=headers).json()
    activities: list[dict[str, Any]] = detail.get("activities", [])
    return activities if any(a["kind"] == "service-delivered" for a in activities) else None


def badge(page: Page, waiting: int) -> None:
    """Wait until the header says how many actions wait on the phone."""
    page.locator("#queue-badge", has_text=f"Waiting to send: {waiting}").wait_for()


def test_offline_actions_land_once_after_a_referral_from_the_form_and_a_live_alert(
    hub: Stack,
) -> None:
    assert hub.info is not None
    urls, admin = hub.info.urls, hub.info.admin_token
    portal, patient, incident = urls["portal"], f"Portal{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with chromium() as browser:
        nurse_context = phone(browser)
        nurse = nurse_context.new_page()
        sign_in(nurse, portal, urls["registry"], admin, NURSE)
        nurse.get_by_role("button", name="New referral").click()
        nurse.get_by_label("Send to").select_option("safe-streets")
        nurse.get_by_label("Given name").fill(patient)
        nurse.get_by_label("Family name").fill("Example")
        nurse.get_by_label("Phone").fill("+15550100200")
        nurse.get_by_label("Who gave consent").fill("The patient")
        nurse.get_by_label("The patient (or guardian) agreed").check()
        screenshot(nurse, "referral-form")
        nurse.get_by_role("button", name="Send referral").click()
        nurse.get_by_text("Referral sent.").wait_for()
        nurse_context.close()
        referral_id = until(
            lambda: received_referral(urls["referrals"], patient), timeout=15, message="no referral"
        )

        context = phone(browser)
        worker = context.new_page()
        sign_in(worker, portal, urls["registry"], admin, WORKER)
        worker.get_by_role("heading", name="Alerts in my zones").wait_for()
        until(lambda: notifications_caught_up(urls), timeout=15, message="notifications behind")
        alert_id = publish_alert(urls["intake"], incident)
        card = worker.locator(f"[data-alert='{alert_id}']")
        card.wait_for(timeout=15_000)  # arrives on the live feed, no reload
        assert serious_accessibility_violations(worker) == []
        screenshot(worker, "alerts")

        worker.evaluate("location.hash = '#/referrals'")
        worker.locator(f"[data-referral='{referral_id}'] button").click()
        worker.get_by_role("button", name="Accept", exact=True).click()
        worker.get_by_role("heading", name="Accepted · Routine").wait_for()
        screenshot(worker, "referral")

        context.set_offline(True)
        worker.get_by_role("button", name="No answer", exact=True).click()
        badge(worker, 1)
        worker.evaluate("location.hash = '#/alerts'")
        card.get_by_role("button", name="Handled", exact=True).click()
        badge(worker, 2)
        queued = worker.evaluate("window.portal.pending()")
        assert sorted(a["path"] for a in queued) == [
            "/api/alerts/responses",
            f"/api/referrals/{referral_id}/contact-attempts",
        ]
        worker.evaluate("location.hash = '#/queue'")
        screenshot(worker, "queue-offline")

        context.set_offline(False)
        badge(worker, 0)
        # Sent again with the same keys (a retry after a lost answer): replayed, not repeated.
        for action in queued:
            again = api(worker, action["path"], action)
            assert again["status"] == 201 and again["replayed"] == "true", again

        alerts = api(worker, "/api/alerts")["body"]
        mine = next(a for a in alerts if a["alert_id"] == alert_id)
        assert incident not in mine["incident_key"]  # the subject keeps the CAD number out
        assert [r["response"] for r in mine["responses"]] == ["handled"]
        referral = api(worker, f"/api/referrals/{referral_id}")["body"]
        # Recorded in the referrals service (the referrer sees it), at the phone's time.
        assert [(a["kind"], a["method"], a["outcome"]) for a in referral["activities"]] == [
            ("contact-attempt", "phone", "no-answer")
        ]
        # The form's consent is a registry consent record the hospital keeps (and may withdraw).
        consent_id = referral["payload"]["consent"]["consent_id"]
        record = httpx.get(
            f"{urls['registry']}/v1/consents/{consent_id}",
            headers={"Authorization": f"Bearer {MERCY_KEY}"},
        ).json()
        assert (record["custodian_partner_id"], record["recipient_partner_ids"]) == (
            "mercy-hospital",
            ["safe-streets"],
        ), record
        assert [h["to_status"] for h in referral["history"]] == [
            "requested",
            "accepted",
            "in-progress",
        ]
        # A service delivered, in a few taps; the referral screen lists it.
        worker.evaluate("location.hash = '#/referrals'")
        worker.locator(f"[data-referral='{referral_id}'] button").click()
        worker.get_by_label("Service", exact=True).select_option("mentoring")
        worker.get_by_role("button", name="Log service", exact=True).click()
        worker.locator("[data-list=services] li", has_text="Mentoring").wait_for()
        worker.locator("[data-list=attempts] li", has_text="No answer").wait_for()
        screenshot(worker, "referral-services")
        sent = until(
            lambda: nurse_view(urls["referrals"], referral_id),
            timeout=10,
            message="the referrer does not see the service",
        )
        assert [(a["kind"], a["service_type"]) for a in sent if a["service_type"]] == [
            ("service-delivered", "mentoring")
        ]
        # Sharing an event on the community board: intake, Kafka, the portal's read model.
        worker.evaluate("location.hash = '#/board'")
        worker.get_by_text("Share an event or resource").click()
        worker.get_by_label("Title").fill(f"Peace walk {incident[:6]}")
        worker.get_by_label("Summary").fill("From the park to the corner; everyone welcome.")
        worker.get_by_label("Starts").fill("2026-12-20T18:00")
        worker.get_by_role("button", name="Share", exact=True).click()
        until(
            lambda: any(
                b["title"] == f"Peace walk {incident[:6]}"
                for b in api(worker, "/api/board")["body"]
            ),
            timeout=15,
            message="the shared event is not on the board",
        )
        for name in ("directory", "dashboard", "board"):
            worker.evaluate(f"location.hash = '#/{name}'")
            worker.locator("main h2").wait_for()
            worker.wait_for_load_state("networkidle")
            screenshot(worker, name)
        context.close()


def test_the_first_screen_on_slow_3g_the_shell_budget_accessibility_and_spanish(
    hub: Stack,
) -> None:
    assert hub.info is not None
    urls = hub.info.urls
    with chromium() as browser:
        context = phone(browser)
        page = context.new_page()
        network = context.new_cdp_session(page)
        network.send("Network.enable")
        network.send("Network.emulateNetworkConditions", SLOW_3G)
        started = time.monotonic()
        page.goto(urls["portal"])
        page.get_by_label("Work e-mail").wait_for(timeout=10_000)
        first_screen = time.monotonic() - started
        print(f"slow 3G: sign-in screen after {first_screen:.2f} s")
        assert first_screen < 5.0
        transferred = page.evaluate(
            """performance.getEntriesByType("navigation").concat(
                performance.getEntriesByType("resource")).reduce((n, e) => n + e.transferSize, 0)"""
        )
        print(f"first load transferred {transferred} bytes")
        assert 0 < transferred <= 200 * 1024
        screenshot(page, "sign-in")
        assert serious_accessibility_violations(page) == []
        network.send(
            "Network.emulateNetworkConditions",
            {**SLOW_3G, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )

        page.get_by_label("Language").select_option("es")
        page.get_by_role("heading", name="Iniciar sesión").wait_for()
        assert page.evaluate("document.documentElement.lang") == "es"
        lead = "lead@safestreets.example.org"
        sign_in(page, "", urls["registry"], hub.info.admin_token, lead, SPANISH, open_page=False)
        page.get_by_role("heading", name="Alertas en mis zonas").wait_for()
        until(lambda: notifications_caught_up(urls), timeout=15, message="notifications behind")
        incident = uuid.uuid4().hex
        alert_id = publish_alert(urls["intake"], incident, occurred_at="2026-01-15T10:00:00Z")
        card = page.locator(f"[data-alert='{alert_id}']")
        card.wait_for(timeout=15_000)
        # Dates through Intl in Spanish: "15 ene 2026", and the buttons in Spanish.
        assert "15 ene 2026" in card.locator("time").inner_text()
        assert card.get_by_role("button", name="Voy en camino").is_visible()
        page.evaluate("location.hash = '#/admin'")
        page.get_by_role("heading", name="Mi organización").wait_for()
        page.get_by_text("outreach@safestreets.example.org").wait_for()
        screenshot(page, "admin-es")
        context.close()
