"""The dashboard in a real browser: referral status over time, outcomes, times to acceptance
and first contact, alerts per zone and delivery health per channel, drawn as inline SVG by the
portal's own script, each chart with a table alternative; printable; in Spanish too."""

import uuid
from pathlib import Path
from typing import Any

import pytest
from portal_browser import (
    WORKER,
    chromium,
    phone,
    refer_to_safe_streets,
    screenshot,
    serious_accessibility_violations,
    sign_in,
    until,
)

from cvihub_cli.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]

REFERRALS = 11
"""Enough referrals for the current week's 'requested' cell to be shown (cells under 11 are
hidden)."""


def send_referrals(intake: str) -> None:
    """Mercy General sends Safe Streets `REFERRALS` referrals through intake's API."""
    for _ in range(REFERRALS):
        refer_to_safe_streets(intake, f"Dash{uuid.uuid4().hex[:6]}")


def dashboard_of(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("fetch('/api/dashboard').then((r) => r.json())")
    return result


def test_the_dashboard_draws_its_charts_with_tables_and_prints_them(hub: Stack) -> None:
    assert hub.info is not None
    urls, admin = hub.info.urls, hub.info.admin_token
    send_referrals(urls["intake"])
    with chromium() as browser:
        context = phone(browser)
        page = context.new_page()
        sign_in(page, urls["portal"], urls["registry"], admin, WORKER)
        # The read model is fed from Kafka: wait until this week's requested cell shows.
        numbers = until(
            lambda: (
                (d := dashboard_of(page))["status_over_time"][-1]["counts"].get("requested")
                and d["delivery_health"]
                and d
            ),
            timeout=30,
            message="the dashboard does not show this week's referrals and deliveries yet",
        )
        assert numbers["status_over_time"][-1]["counts"]["requested"] >= REFERRALS
        assert {row["channel"] for row in numbers["delivery_health"]} >= {"webhook"}
        assert numbers["time_to_first_contact"]["scope"] == "own"
        page.evaluate("location.hash = '#/dashboard'")
        page.get_by_role("heading", name="Referrals by week sent and status now").wait_for()

        weeks = page.locator("#chart-weeks")
        # An SVG image named by its heading, with bars drawn, and its table alternative.
        image = weeks.locator("svg[role=img]")
        assert image.get_attribute("aria-labelledby") == "chart-weeks-title"
        assert weeks.locator("rect.bar:not(.suppressed)").count() >= 1
        weeks.get_by_text("Show as a table").click()
        this_week = weeks.locator("tbody tr").last
        assert this_week.locator("th").inner_text() == numbers["status_over_time"][-1]["week"][6:]
        requested = numbers["status_over_time"][-1]["counts"]["requested"]
        assert str(requested) in this_week.inner_text()
        for heading in (
            "Time to first contact",
            "Delivery health per channel",
            "Outcomes by month",
        ):
            page.get_by_role("heading", name=heading).wait_for()
        delivery = page.locator("#chart-delivery")
        assert delivery.locator("tbody tr", has_text="Webhook").count() == 1
        assert serious_accessibility_violations(page) == []
        weeks.get_by_text("Show as a table").click()  # closed again before the screenshot
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "dashboard")

        # Printing opens every table; the print stylesheet shows the report line, no buttons.
        page.evaluate(
            "window.print = () => { window.printedOpen = [...document.querySelectorAll("
            "'details.as-table')].every((d) => d.open); dispatchEvent(new Event('afterprint')); }"
        )
        page.get_by_role("button", name="Print a one-page report").click()
        assert page.evaluate("window.printedOpen") is True
        assert page.locator("details.as-table[open]").count() == 0
        page.emulate_media(media="print")
        assert page.get_by_text("Report of").is_visible()
        assert not page.get_by_role("button", name="Download CSV").is_visible()
        page.emulate_media(media="screen")

        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").click()
        csv = Path(download.value.path()).read_text(encoding="utf-8")
        assert '"referrals_by_week_and_status"' in csv and '"deliveries_delivered","webhook"' in csv

        page.get_by_label("Language").select_option("es")
        page.get_by_role("heading", name="Resultados por mes").wait_for()
        page.get_by_role("heading", name="Estado de los envíos por canal").wait_for()
        page.locator("#chart-weeks").scroll_into_view_if_needed()
        screenshot(page, "dashboard-es")
        page.get_by_label("Idioma").select_option("en")
        context.close()
