"""The board keeps public bulletin fields only; the dashboard shows aggregates with cells from 1
to 10 hidden (a real database)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import httpx
import pytest
from portal_harness import WORKER, portal_core

from cvihub_contracts import examples
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus
from cvihub_portal import dashboard as dashboards
from cvihub_portal import handlers, store
from cvihub_runtime.db import transaction
from cvihub_testkit import TestDatabase

pytestmark = pytest.mark.integration


def nobody(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no call expected, got {request.url}")


def event(data: Any) -> Any:
    return SimpleNamespace(data=data)


async def test_the_board_keeps_a_bulletin_without_its_partner_only_contact(
    make_database: Callable[[str], TestDatabase],
) -> None:
    bulletin = examples.bulletin_published().model_copy(update={"contact": "Ana, 555-0100"})
    async with portal_core(make_database("portal"), nobody) as core:
        async with transaction(core.sessions) as session:
            await handlers.on_bulletin(session, event(bulletin))
        async with core.sessions() as session:
            board = await store.board(session)
    assert [row["public"]["title"] for row in board] == ["Peace walk and vigil"]
    assert "contact" not in board[0]["public"]
    assert board[0]["public"]["venue"]["zone"] == "north"


async def test_the_dashboard_hides_counts_from_one_to_ten(
    make_database: Callable[[str], TestDatabase],
) -> None:
    submitted = examples.referral_submitted()
    async with portal_core(make_database("portal"), nobody) as core:
        async with transaction(core.sessions) as session:
            for index in range(14):
                referral = submitted.model_copy(update={"referral_id": uuid4()})
                await handlers.on_referral_submitted(session, event(referral))
                target = ReferralStatus.ACCEPTED if index < 11 else ReferralStatus.REJECTED
                change = examples.referral_status_changed().model_copy(
                    update={
                        "referral_id": referral.referral_id,
                        "status": target,
                        "changed_at": referral.submitted_at + timedelta(minutes=30 + index),
                    }
                )
                await handlers.on_referral_status(session, event(change))
            await handlers.on_alert(session, event(examples.incident_alert_v2()))
        now = submitted.submitted_at + timedelta(days=1)
        numbers = await dashboards.network_counts(core, now)
    # 3 rejected are hidden, so the total is too (14 - 11 would give them away).
    assert numbers["referrals_by_status"] == {"accepted": 11, "rejected": None}
    assert numbers["referrals_total"] is None
    assert numbers["time_to_acceptance"]["count"] == 11
    assert numbers["time_to_acceptance"]["median_hours"] == 0.6
    assert numbers["time_to_acceptance"]["distribution"] == {
        "<1h": 11,
        "1-4h": 0,
        "4-24h": 0,
        ">24h": 0,
    }
    assert [cell["count"] for cell in numbers["alerts_per_zone_week"]] == [None]
    week = next(w for w in numbers["status_over_time"] if w["counts"]["accepted"])
    assert week["counts"] == {"accepted": 11, "rejected": None}
    assert len(numbers["status_over_time"]) == dashboards.WEEKS
    month = numbers["outcomes_by_month"][-1]
    assert month["counts"]["rejected"] is None and month["counts"]["completed"] == 0


def hub_answering(request: httpx.Request) -> httpx.Response:
    """The registry (a portal key), referrals' aggregates and notifications' deliveries."""
    path = request.url.path
    if path.endswith("/keys"):
        return httpx.Response(201, json={"credential_id": "cred-1", "api_key": "cvh_k"})
    if path == "/v1/aggregates":
        durations = {"count": 12, "median_seconds": 5400.0, "distribution": {"<1h": 12}}
        return httpx.Response(200, json={"scope": "own", "time_to_first_contact": durations})
    if path == "/v1/deliveries":
        at = datetime(2026, 12, 1, 10, tzinfo=UTC)
        items = [
            {
                "channel": "webhook",
                "status": "delivered",
                "created_at": at.isoformat(),
                "delivered_at": (at + timedelta(seconds=s)).isoformat(),
            }
            for s in (1, 2, 9)
        ] + [
            {
                "channel": "email",
                "status": "failed",
                "created_at": at.isoformat(),
                "delivered_at": None,
            }
        ]
        return httpx.Response(200, json={"items": items})
    return httpx.Response(201, json={})


async def test_the_dashboard_adds_first_contact_and_delivery_health_per_channel(
    make_database: Callable[[str], TestDatabase],
) -> None:
    async with portal_core(make_database("portal"), hub_answering) as core:
        numbers = await dashboards.dashboard(core, WORKER)
    assert numbers["time_to_first_contact"] == {
        "scope": "own",
        "count": 12,
        "median_hours": 1.5,
        "distribution": {"<1h": 12},
    }
    assert numbers["delivery_health"] == [
        {"channel": "email", "delivered": 0, "pending": 0, "failed": 1, "median_seconds": None},
        {"channel": "webhook", "delivered": 3, "pending": 0, "failed": 0, "median_seconds": 2.0},
    ]


async def test_the_dashboard_still_answers_when_referrals_and_notifications_do_not(
    make_database: Callable[[str], TestDatabase],
) -> None:
    def registry_only(request: httpx.Request) -> httpx.Response:
        if request.url.host == "registry":
            return hub_answering(request)
        return httpx.Response(503, json={"title": "down"})

    async with portal_core(make_database("portal"), registry_only) as core:
        numbers = await dashboards.dashboard(core, WORKER)
    assert numbers["time_to_first_contact"] is None and numbers["delivery_health"] is None
    assert numbers["referrals_total"] == 0


def test_a_hidden_cell_hides_the_total_or_takes_a_second_cell_with_it() -> None:
    assert dashboards.with_total({"a": 20, "b": 3}) == ({"a": 20, "b": None}, None)
    assert dashboards.with_total({"a": 30, "b": 12, "c": 0}) == ({"a": 30, "b": 12, "c": 0}, 42)
    assert dashboards.second_cell({"w1": 20, "w2": 12, "w3": 3}) == {
        "w1": 20,
        "w2": None,
        "w3": None,
    }
    assert dashboards.second_cell({"w1": 0, "w2": 5}) == {"w1": 0, "w2": None}
    assert dashboards.second_cell({"w1": 4, "w2": 5, "w3": 30}) == {
        "w1": None,
        "w2": None,
        "w3": 30,
    }
