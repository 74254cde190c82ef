"""Each action lands once per Idempotency-Key, whatever the network does between the phone, the
portal and the service behind it (a real database; the service behind answered in-process)."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from portal_harness import WORKER, portal_core

from cvihub_portal import service, store
from cvihub_portal.clients import UpstreamError
from cvihub_runtime.db import transaction
from cvihub_testkit import TestDatabase

pytestmark = pytest.mark.integration


def upstream_saying(*answers: int) -> tuple[Callable[[httpx.Request], httpx.Response], list[str]]:
    """An upstream answering with these statuses in turn (the last one repeats); its calls."""
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        status = answers[min(len(calls), len(answers)) - 1]
        body = {"ok": True} if status < 400 else {"title": "no", "status": status}
        return httpx.Response(status, json=body)

    return answer, calls


async def accept(core: service.PortalCore, key: str) -> tuple[service.Outcome, bool]:
    async def act(session: Any) -> service.Outcome:
        return 200, await core.clients.move_referral("cvh_key", "r1", "accept", {})

    return await service.once(core, WORKER, key=key, kind="referral.accept", target="r1", act=act)


async def test_a_repeated_key_is_answered_from_the_store_and_not_sent_again(
    make_database: Callable[[str], TestDatabase],
) -> None:
    upstream, calls = upstream_saying(200)
    async with portal_core(make_database("portal"), upstream) as core:
        first = await accept(core, "key-00000001")
        again = await accept(core, "key-00000001")
        other = await accept(core, "key-00000002")
    assert first == ((200, {"ok": True}), False)
    assert again == ((200, {"ok": True}), True)
    assert other[1] is False
    assert calls == ["/v1/referrals/r1/accept", "/v1/referrals/r1/accept"]


async def test_a_call_that_does_not_get_through_frees_the_key_for_the_retry(
    make_database: Callable[[str], TestDatabase],
) -> None:
    upstream, calls = upstream_saying(503, 200)
    async with portal_core(make_database("portal"), upstream) as core:
        with pytest.raises(UpstreamError):
            await accept(core, "key-00000003")
        retried = await accept(core, "key-00000003")
        replayed = await accept(core, "key-00000003")
    assert retried == ((200, {"ok": True}), False)
    assert replayed[1] is True
    assert len(calls) == 2


async def test_a_refusal_is_final_and_replayed_as_it_was(
    make_database: Callable[[str], TestDatabase],
) -> None:
    upstream, calls = upstream_saying(409)
    async with portal_core(make_database("portal"), upstream) as core:
        first = await accept(core, "key-00000004")
        again = await accept(core, "key-00000004")
    assert first[0][0] == 409 and again[0][0] == 409 and again[1] is True
    assert len(calls) == 1


async def test_the_same_key_sent_twice_at_once_runs_once(
    make_database: Callable[[str], TestDatabase],
) -> None:
    release, started = asyncio.Event(), asyncio.Event()
    ran: list[int] = []

    async def slow(session: Any) -> service.Outcome:
        ran.append(1)
        started.set()
        await release.wait()
        return 201, {"done": True}

    upstream, _ = upstream_saying(200)
    async with portal_core(make_database("portal"), upstream) as core:
        first = asyncio.create_task(
            service.once(core, WORKER, key="key-00000005", kind="k", target="t", act=slow)
        )
        await asyncio.wait_for(started.wait(), timeout=10)
        with pytest.raises(service.InProgress):
            await service.once(core, WORKER, key="key-00000005", kind="k", target="t", act=slow)
        release.set()
        assert await first == ((201, {"done": True}), False)
        replay = await service.once(
            core, WORKER, key="key-00000005", kind="k", target="t", act=slow
        )
    assert replay == ((201, {"done": True}), True)
    assert ran == [1]


async def test_a_key_left_pending_by_a_stopped_portal_is_taken_over_later(
    make_database: Callable[[str], TestDatabase],
) -> None:
    upstream, calls = upstream_saying(200)
    async with portal_core(make_database("portal"), upstream) as core:
        async with transaction(core.sessions) as session:
            await store.claim_action(
                session,
                partner_id=WORKER.partner_id,
                key="key-00000006",
                person_id=WORKER.person_id,
                kind="referral.accept",
                target="r1",
                now=datetime.now(UTC) - timedelta(minutes=5),
            )
        taken = await accept(core, "key-00000006")
    assert taken == ((200, {"ok": True}), False)
    assert len(calls) == 1
