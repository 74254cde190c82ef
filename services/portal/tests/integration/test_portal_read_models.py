"""The board keeps public bulletin fields only; the dashboard shows aggregates with cells from 1
to 10 hidden (a real database)."""

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import httpx
import pytest
from portal_harness import portal_core

from cvihub_contracts import examples
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus
from cvihub_portal import handlers, service, store
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
        numbers = await service.dashboard(core)
    assert numbers["referrals_by_status"] == {"accepted": 11, "rejected": None}
    assert numbers["referrals_total"] == 14
    assert numbers["time_to_acceptance"]["count"] == 11
    assert numbers["time_to_acceptance"]["median_hours"] == 0.6
    assert numbers["time_to_acceptance"]["distribution"] == {
        "<1h": 11,
        "1-4h": 0,
        "4-24h": 0,
        ">24h": 0,
    }
    assert [cell["count"] for cell in numbers["alerts_per_zone_week"]] == [None]
