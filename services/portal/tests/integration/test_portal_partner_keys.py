"""The portal's key for a partner is replaced when it lacks a scope the portal now needs, and
the hospital's form records a registry consent record that the submission quotes."""

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from portal_harness import WORKER, portal_core

from cvihub_portal import send_form, service, store
from cvihub_portal.schemas import ReferralForm
from cvihub_runtime.db import transaction
from cvihub_testkit import TestDatabase

pytestmark = pytest.mark.integration


def registry_issuing(calls: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    """A registry admin API that issues numbered keys and records every call."""

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/keys"):
            n = sum(c.endswith("/keys") for c in calls)
            return httpx.Response(201, json={"credential_id": f"cred-{n}", "api_key": f"key-{n}"})
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(201, json={})

    return answer


async def test_a_key_issued_without_the_scopes_now_needed_is_replaced_and_revoked(
    make_database: Callable[[str], TestDatabase],
) -> None:
    calls: list[str] = []
    async with portal_core(make_database("portal"), registry_issuing(calls)) as core:
        async with transaction(core.sessions) as session:
            await store.add_link(
                session,
                store.Link(
                    partner_id="safe-streets",
                    credential_id="cred-old",
                    api_key_encrypted=core.box.encrypt("key-old"),
                    created_at=datetime.now(UTC),
                ),
            )
        first = await service.partner_key(core, "safe-streets")
        again = await service.partner_key(core, "safe-streets")
        async with core.sessions() as session:
            link = await store.get_link(session, "safe-streets")
    assert first == again == "key-1"
    assert calls.count("POST /v1/admin/partners/safe-streets/keys") == 1
    assert "DELETE /v1/admin/keys/cred-old" in calls
    assert link is not None and "consents:write" in (link.scopes or [])


async def test_the_submission_waits_for_intake_to_know_the_new_consent_record(
    make_database: Callable[[str], TestDatabase],
) -> None:
    bodies: list[dict[str, object]] = []

    def intake(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        if len(bodies) < 3:  # intake's copy of the registry is a moment behind
            problem = {"type": "https://cvihub.org/problems/consent-record-unknown"}
            return httpx.Response(422, json=problem)
        return httpx.Response(202, json={"referral_id": "r1"})

    form = ReferralForm(
        recipient_partner_id="safe-streets",
        given_name="Ana",
        family_name="Example",
        mechanism="gunshot",
        consented_by="The patient",
        consent_confirmed=True,
    )
    now = datetime.now(UTC)
    body = send_form.submission(WORKER, form, consent_id="cns_1", consented_at=now)
    async with portal_core(make_database("portal"), intake) as core:
        answer = await send_form.submit_when_known(core, "key", body, "idem-1")
    assert answer == {"referral_id": "r1"}
    assert len(bodies) == 3
    assert bodies[0]["consent"] == {  # type: ignore[comparison-overlap]
        "consented_by": "The patient",
        "consented_at": now.isoformat(),
        "recipient_partner_ids": ["safe-streets"],
        "scope": ["contact"],
        "consent_id": "cns_1",
    }
    record = send_form.consent_record(form, given_at=now)
    assert record["recipient_partner_ids"] == ["safe-streets"] and "expires_at" not in record


async def test_another_refusal_is_the_answer_at_once(
    make_database: Callable[[str], TestDatabase],
) -> None:
    calls: list[str] = []

    def intake(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(422, json={"type": "https://cvihub.org/problems/consent-withdrawn"})

    async with portal_core(make_database("portal"), intake) as core:
        with pytest.raises(send_form.UpstreamError):
            await send_form.submit_when_known(core, "key", {}, "idem-2")
    assert calls == ["/v1/referrals"]
