"""The hub administrators' console in a real browser: a named administrator signs in with an
e-mailed code, onboards a partner, issues and revokes its key, grants it a stream, subscribes
a webhook, reads a partner's delivery health, resends a delivery, verifies the audit chain,
and signs out; the registry audits each change under their name, and no admin key ever
reaches the browser."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from portal_browser import (
    SAFE_STREETS_KEY,
    WORKER,
    chromium,
    latest_code,
    phone,
    refer_to_safe_streets,
    screenshot,
    serious_accessibility_violations,
    sign_in,
    until,
)

from cvihub_cli.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]


def fetch(page: Any, path: str, method: str = "GET") -> dict[str, Any]:
    """Call the portal from the page with its cookies."""
    script = """async ([path, method]) => {
        const r = await fetch(path, {method, headers: {"X-Portal": "1"}});
        return {status: r.status, body: await r.json().catch(() => null)};
    }"""
    result: dict[str, Any] = page.evaluate(script, [path, method])
    return result


def test_a_named_administrator_runs_the_hub_from_the_console(hub: Stack) -> None:
    assert hub.info is not None
    urls, bootstrap = hub.info.urls, hub.info.admin_token
    registry, portal, tag = urls["registry"], urls["portal"], uuid.uuid4().hex[:6]
    admin_id, email, partner_id = f"ops-{tag}", f"ops-{tag}@hub.example.org", f"youth-{tag}"
    as_bootstrap = {"Authorization": f"Bearer {bootstrap}"}
    created = httpx.post(
        f"{registry}/v1/admin/administrators",
        json={"admin_id": admin_id, "name": "Ops Lead", "email": email, "role": "admin"},
        headers=as_bootstrap,
    )
    assert created.status_code == 201, created.text
    send_referral(urls["intake"])
    with chromium() as browser:
        context = phone(browser)
        page = context.new_page()
        page.goto(portal)
        page.get_by_role("link", name="Hub administrator? Sign in to the console").click()
        page.get_by_role("heading", name="Hub administrator sign-in").wait_for()
        page.get_by_label("Work e-mail").fill(email)
        asked = datetime.now().astimezone() - timedelta(seconds=1)
        page.get_by_role("button", name="E-mail me a code").click()
        page.get_by_label("6-digit code").fill(latest_code(registry, bootstrap, email, asked))
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Partners").wait_for()
        page.get_by_text("Ops Lead · administrator").wait_for()

        page.locator("summary", has_text="Onboard a partner").click()
        page.get_by_label("Partner id").fill(partner_id)
        page.get_by_label("Name", exact=True).fill(f"North Youth League {tag}")
        page.get_by_label("Zones").fill("north")
        page.get_by_role("button", name="Onboard a partner").click()
        page.get_by_role("heading", name=f"North Youth League {tag}").wait_for()

        page.get_by_role("button", name="Issue a key").click()
        issued = page.locator("pre.secret")
        issued.wait_for()
        assert issued.inner_text().startswith("cvh_")
        credential_id = issued.inner_text().split("_")[1]  # cvh_<credential id>_<secret>
        page.get_by_label("Stream", exact=True).first.select_option("incident-alerts")
        page.get_by_role("button", name="Grant", exact=True).click()
        page.locator("li", has_text="incident-alerts · Receive").wait_for()
        page.get_by_label("Stream", exact=True).nth(1).select_option("incident-alerts")
        page.get_by_label("Webhook URL").fill("http://127.0.0.1:9/hook")
        page.get_by_role("button", name="Subscribe", exact=True).click()
        page.get_by_text("The webhook signing secret, shown this once.").wait_for()
        page.locator("li", has_text="127.0.0.1:9/hook").wait_for()
        assert serious_accessibility_violations(page) == []
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "hub-admin")

        page.locator("li", has_text=credential_id).get_by_role("button").click()
        page.locator("li", has_text=credential_id).wait_for(state="detached")
        keys = httpx.get(f"{registry}/v1/admin/partners/{partner_id}/keys", headers=as_bootstrap)
        assert [k["status"] for k in keys.json() if k["credential_id"] == credential_id] == [
            "revoked"
        ]

        # A partner with deliveries: health per channel, and a delivery sent again.
        page.evaluate("location.hash = '#/hub-admin/partner/safe-streets'")
        page.locator("#health table").wait_for(timeout=20_000)
        delivered = until(
            lambda: delivered_webhook(urls["notifications"]),
            timeout=20,
            message="no delivered webhook delivery",
        )
        health = fetch(page, "/api/hub-admin/partners/safe-streets/delivery-health")["body"]
        assert "webhook" in {c["channel"] for c in health["channels"]}, health
        page.locator("#health tbody tr", has_text="Webhook").wait_for()
        resent = fetch(
            page,
            f"/api/hub-admin/partners/safe-streets/deliveries/{delivered}/resend",
            "POST",
        )
        assert resent["status"] == 200 and resent["body"]["status"] == "pending", resent
        # Named under another partner, Safe Streets' delivery is not found (the console key
        # is that partner's own), as for one that does not exist.
        for partner, delivery in (("peace-collective", delivered), ("safe-streets", "dl-none")):
            path = f"/api/hub-admin/partners/{partner}/deliveries/{delivery}/resend"
            assert fetch(page, path, "POST")["status"] == 404

        page.evaluate("location.hash = '#/hub-admin/audit'")
        page.get_by_role("button", name="Verify the audit chain").click()
        page.get_by_text("The audit chain is intact").wait_for()
        page.get_by_role("cell", name=f"admin:{admin_id}").first.wait_for()
        page.get_by_label("Language").select_option("es")
        page.get_by_role("heading", name="Auditoría").wait_for()
        screenshot(page, "hub-admin-es")
        page.get_by_label("Idioma").select_option("en")
        assert "cva_" not in page.content()
        assert all("cva_" not in c["value"] for c in context.cookies())

        # A person's session opens nothing of the console.
        person = browser.new_context(viewport={"width": 360, "height": 740})
        worker = person.new_page()
        sign_in(worker, portal, registry, bootstrap, WORKER)
        assert fetch(worker, "/api/hub-admin/registry/partners")["status"] == 401
        assert fetch(worker, "/api/hub-admin/registry/administrators")["status"] == 401
        person.close()
        # Nor does the console reach beyond what it offers (no administrators, no mail).
        assert fetch(page, "/api/hub-admin/registry/administrators")["status"] == 404
        assert fetch(page, "/api/hub-admin/registry/mail-outbox")["status"] == 404

        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("heading", name="Hub administrator sign-in").wait_for()
        assert fetch(page, "/api/hub-admin/me")["status"] == 401
        context.close()

    audit = httpx.get(f"{registry}/v1/admin/audit?limit=200", headers=as_bootstrap).json()
    mine = {e["action"] for e in audit if e["actor"] == f"admin:{admin_id}"}
    wanted = {"partner.created", "credential.created", "credential.revoked", "grant.created"}
    assert wanted | {"subscription.created", "admin_key.issued"} <= mine, mine
    detail = httpx.get(f"{registry}/v1/admin/administrators/{admin_id}", headers=as_bootstrap)
    first = created.json()["key"]["credential_id"]  # the key made with the administrator
    signed_in = [k for k in detail.json()["keys"] if k["credential_id"] != first]
    assert signed_in and all(k["revoked_at"] for k in signed_in), "sign-in key outlives sign-out"


def delivered_webhook(notifications: str) -> str | None:
    """A delivered webhook delivery of Safe Streets' (to resend), once there is one."""
    listed = httpx.get(
        f"{notifications}/v1/deliveries",
        params={"status": "delivered", "limit": 50},
        headers={"Authorization": f"Bearer {SAFE_STREETS_KEY}"},
    ).json()
    found = [d["delivery_id"] for d in listed["items"] if d["channel"] == "webhook"]
    return str(found[0]) if found else None


def send_referral(intake: str) -> None:
    """Mercy General refers someone to Safe Streets: a webhook delivery to Safe Streets."""
    refer_to_safe_streets(intake, f"Console{uuid.uuid4().hex[:6]}")
