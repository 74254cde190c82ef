"""Helpers of the portal's browser tests: Debian's Chromium through Playwright, sign-in codes."""

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 360, "height": 740}
WORKER = "outreach@safestreets.example.org"
NURSE = "nurse@mercy.example.org"
SAFE_STREETS_KEY = "cvh_de0000000003_demo-safe-streets-key-not-for-production"
T = TypeVar("T")


def until(check: Callable[[], T | None], *, timeout: float, message: str) -> T:
    """Call `check` until it returns something truthy, within a deadline (the sync twin of
    cvihub_testkit.eventually, for Playwright's sync API, which runs outside an event loop)."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{message} after {timeout}s; last value: {last!r}")


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium from the system package (Playwright's own download is never used).

    Where it is missing a developer's run skips (apt-get install -y chromium); CI installs it
    (.ci/run) and fails without it."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise AssertionError(f"{CHROMIUM} is missing: .ci/run installs the chromium package")
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def phone(browser: Browser, *, locale: str = "en-US") -> BrowserContext:
    """A phone-sized browser context."""
    return browser.new_context(viewport=PHONE, locale=locale, service_workers="allow")


def latest_code(registry_url: str, admin_token: str, email: str, after: datetime) -> str:
    """The newest sign-in code the registry's mail outbox holds for `email` (development)."""
    headers = {"Authorization": f"Bearer {admin_token}"}

    def found() -> str | None:
        mail = httpx.get(f"{registry_url}/v1/admin/mail-outbox", headers=headers).json()
        for message in mail:
            if message["to"] == email and datetime.fromisoformat(message["created_at"]) >= after:
                match = re.search(r"\b(\d{6})\b", message["body"] or "")
                if match:
                    return match.group(1)
        return None

    return until(found, timeout=10, message=f"no sign-in code for {email}")


ENGLISH = ("Work e-mail", "E-mail me a code", "6-digit code", "Sign in", "Sign out")
SPANISH = (
    "Correo de trabajo",
    "Envíenme un código",
    "Código de 6 dígitos",
    "Entrar",
    "Cerrar sesión",
)


def sign_in(
    page: Page,
    portal: str,
    registry: str,
    admin_token: str,
    email: str,
    words: tuple[str, ...] = ENGLISH,
    *,
    open_page: bool = True,
) -> None:
    """Sign in through the portal's own form, reading the code where a developer would."""
    email_label, ask, code_label, enter, leave = words
    if open_page:
        page.goto(portal)
    page.get_by_label(email_label).fill(email)
    asked = datetime.now().astimezone() - timedelta(seconds=1)
    page.get_by_role("button", name=ask).click()
    try:
        page.get_by_label(code_label).wait_for()
    except PlaywrightTimeout:
        # Say what the person saw (the form's status line), not only that the code never came.
        shown = page.locator("#email-form [role=status]").all_inner_texts()
        raise AssertionError(
            f"no code form after asking for a code; the form said {shown}"
        ) from None
    page.get_by_label(code_label).fill(latest_code(registry, admin_token, email, asked))
    page.get_by_role("button", name=enter).click()
    page.get_by_role("button", name=leave).wait_for()


AXE = Path(__file__).parent / "vendor" / "axe-4.11.0.min.js"
"""axe-core 4.11.0 (npm), vendored for the tests only: the portal never serves it."""


def serious_accessibility_violations(page: Page) -> list[str]:
    """What axe-core finds of serious or critical impact on the page as it stands."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Page, name: str) -> None:
    """Keep the screen at 360x740 in $CVIHUB_PORTAL_SCREENSHOTS (docs/portal/ regenerates so)."""
    folder = os.environ.get("CVIHUB_PORTAL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def received_referral(referrals: str, given_name: str) -> str | None:
    """The id of the referral Safe Streets received for this patient, once it is there."""
    headers = {"Authorization": f"Bearer {SAFE_STREETS_KEY}"}
    listed = httpx.get(f"{referrals}/v1/referrals", params={"role": "received"}, headers=headers)
    for summary in listed.json()[:10]:
        detail = httpx.get(f"{referrals}/v1/referrals/{summary['referral_id']}", headers=headers)
        if detail.json()["payload"]["patient"]["given_name"] == given_name:
            return str(summary["referral_id"])
    return None


MERCY_KEY = "cvh_de0000000001_demo-mercy-hospital-key-not-for-production"
"""The demo hospital's API key (deploy/seed/demo.yaml)."""


def refer_to_safe_streets(intake: str, given_name: str, *, mechanism: str = "assault") -> None:
    """Mercy General refers a patient to Safe Streets through intake's API, with consent."""
    submission = {
        "recipient_partner_id": "safe-streets",
        "patient": {"given_name": given_name, "family_name": "Example"},
        "injury": {"mechanism": mechanism},
        "consent": {
            "consented_by": "patient",
            "consented_at": datetime.now().astimezone().isoformat(),
            "recipient_partner_ids": ["safe-streets"],
        },
        "referring_contact": {"name": "A. Rivera"},
    }
    sent = httpx.post(
        f"{intake}/v1/referrals",
        json=submission,
        headers={"Authorization": f"Bearer {MERCY_KEY}"},
    )
    assert sent.status_code == 202, sent.text
