"""The referrals service end to end in-process: real broker, real database, real HTTP app."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from referrals_builders import (
    CVI_ORG,
    HOSPITAL,
    OTHER_ORG,
    auth,
    make_submitted,
    submitted_event,
)
from referrals_harness import referrals_hub

from cvihub_contracts import from_kafka, to_kafka, topics
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_testkit import TestDatabase, consume_until, eventually, produce

pytestmark = pytest.mark.integration


async def _visible_to(client: httpx.AsyncClient, partner: str, referral_id: str) -> bool:
    response = await client.get(f"/v1/referrals/{referral_id}", headers=auth(partner))
    return response.status_code == 200


def _headers(record: Any) -> dict[str, bytes]:
    return {name: value for name, value in record.headers}


async def test_a_referral_is_shared_with_its_two_parties_and_accepted_by_the_recipient(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with referrals_hub(kafka_bootstrap, make_database) as client:
        submitted = submitted_event()
        referral_id = str(submitted.data.referral_id)
        await produce(kafka_bootstrap, to_kafka(submitted))
        await eventually(lambda: _visible_to(client, CVI_ORG, referral_id))

        sent = (await client.get("/v1/referrals?role=sent", headers=auth(HOSPITAL))).json()
        received = (await client.get("/v1/referrals?role=received", headers=auth(CVI_ORG))).json()
        assert [r["referral_id"] for r in sent] == [referral_id]
        assert [r["referral_id"] for r in received] == [referral_id]
        assert received[0]["status"] == "requested" and received[0]["urgency"] == "urgent"
        assert (
            await client.get("/v1/referrals?role=received", headers=auth(HOSPITAL))
        ).json() == []
        assert (await client.get("/v1/referrals", headers=auth(OTHER_ORG))).json() == []

        detail = (await client.get(f"/v1/referrals/{referral_id}", headers=auth(HOSPITAL))).json()
        assert detail["payload"]["patient"]["family_name"] == "Patient"
        assert [h["to_status"] for h in detail["history"]] == ["requested"]

        # An unrelated organisation cannot tell the referral exists.
        for method, path in [("GET", ""), ("POST", "/accept")]:
            outsider = await client.request(
                method, f"/v1/referrals/{referral_id}{path}", headers=auth(OTHER_ORG)
            )
            assert outsider.status_code == 404
            assert outsider.headers["content-type"] == "application/problem+json"
            assert outsider.json() == (
                await client.request(
                    method, f"/v1/referrals/{uuid.uuid4()}{path}", headers=auth(OTHER_ORG)
                )
            ).json() | {"instance": outsider.json()["instance"]}

        by_sender = await client.post(f"/v1/referrals/{referral_id}/accept", headers=auth(HOSPITAL))
        assert by_sender.status_code == 403
        assert by_sender.json()["required_role"] == "recipient"

        accepted = await client.post(
            f"/v1/referrals/{referral_id}/accept", headers=auth(CVI_ORG), json={"note": "on it"}
        )
        assert accepted.status_code == 200
        body = accepted.json()
        assert body["status"] == "accepted" and body["version"] == 2
        assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [
            (None, "requested"),
            ("requested", "accepted"),
        ]

        again = await client.post(f"/v1/referrals/{referral_id}/accept", headers=auth(CVI_ORG))
        assert again.status_code == 409
        assert again.json()["type"].endswith("/invalid-transition")
        assert (again.json()["from"], again.json()["to"]) == ("accepted", "accepted")

        changed = await consume_until(
            kafka_bootstrap,
            topics.REFERRALS,
            lambda r: _headers(r).get("ce_type") == ReferralStatusChangedV1.event_type.encode(),
        )
        record = changed[0]
        event = from_kafka(_headers(record), record.key, record.value)
        assert isinstance(event.data, ReferralStatusChangedV1)
        assert event.envelope.causationid == submitted.envelope.id
        assert event.envelope.correlationid == submitted.envelope.correlationid
        assert event.envelope.source == f"urn:cvihub:partner:{CVI_ORG}"
        assert event.envelope.id == body["history"][1]["event_id"]
        assert (event.data.previous_status, event.data.status) == ("requested", "accepted")
        assert record.key == referral_id.encode()

        metrics = (await client.get("/metrics")).text
        assert (
            'cvihub_referrals_status_changes_total{from_status="requested",to_status="accepted"}'
            in (metrics)
        )


async def test_a_referral_moves_through_its_life_cycle_and_races_are_refused(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with referrals_hub(kafka_bootstrap, make_database) as client:
        first, second = submitted_event(), submitted_event()
        await produce(kafka_bootstrap, to_kafka(first), to_kafka(second))
        ids = [str(first.data.referral_id), str(second.data.referral_id)]
        for referral_id in ids:
            await eventually(lambda r=referral_id: _visible_to(client, CVI_ORG, r))

        assert (await client.get("/v1/referrals")).status_code == 401

        async def move(partner: str, path: str, body: dict[str, Any]) -> httpx.Response:
            return await client.post(
                f"/v1/referrals/{ids[0]}{path}", headers=auth(partner), json=body
            )

        assert (await move(CVI_ORG, "/accept", {})).status_code == 200
        naive = await move(
            CVI_ORG,
            "/attempts",
            {"occurred_at": "2024-05-02T10:00:00", "method": "phone", "outcome": "reached"},
        )
        assert naive.status_code == 422 and naive.json()["errors"][0]["pointer"] == "#/occurred_at"
        future = await move(
            CVI_ORG,
            "/attempts",
            {"occurred_at": "2999-01-01T00:00:00Z", "method": "phone", "outcome": "reached"},
        )
        assert future.status_code == 422, future.text
        assert future.json()["type"].endswith("/time-in-future")
        assert future.json()["errors"] == [
            {
                "pointer": "#/occurred_at",
                "detail": "occurred_at is in the future",
                "code": "time-in-future",
            }
        ]
        by_referrer = await move(HOSPITAL, "/notes", {"note": "not theirs to write"})
        assert by_referrer.status_code == 403
        assert (
            await move(CVI_ORG, "/status", _to("in-progress", "client-engaged"))
        ).status_code == 200
        by_sender = await move(HOSPITAL, "/status", _to("completed", "services-delivered"))
        assert by_sender.status_code == 403
        no_note = await move(CVI_ORG, "/status", {"status": "completed", "reason": "other"})
        assert no_note.status_code == 422
        assert no_note.json()["errors"][0]["pointer"] == "#/note"
        done = await move(CVI_ORG, "/status", _to("completed", "services-delivered"))
        assert done.status_code == 200
        assert [h["to_status"] for h in done.json()["history"]] == [
            "requested",
            "accepted",
            "in-progress",
            "completed",
        ]
        after_final = await move(HOSPITAL, "/status", _to("entered-in-error", "duplicate"))
        assert after_final.status_code == 409
        bad_body = await move(CVI_ORG, "/decline", {"reason": "because", "note": "x"})
        assert bad_body.status_code == 422
        assert bad_body.json()["errors"][0]["pointer"] == "#/reason"

        # The recipient's two desks answer the second referral at the same moment.
        racing = await asyncio.gather(
            client.post(f"/v1/referrals/{ids[1]}/accept", headers=auth(CVI_ORG)),
            client.post(
                f"/v1/referrals/{ids[1]}/decline",
                headers=auth(CVI_ORG),
                json={"reason": "no-capacity", "note": "full"},
            ),
        )
        assert sorted(r.status_code for r in racing) == [200, 409]
        final = (await client.get(f"/v1/referrals/{ids[1]}", headers=auth(HOSPITAL))).json()
        winner = next(r for r in racing if r.status_code == 200).json()
        assert final["status"] == winner["status"] and len(final["history"]) == 2


def _to(status: str, reason: str) -> dict[str, str]:
    return {"status": status, "reason": reason, "note": f"{status}: {reason}"}


async def test_a_referral_consented_after_its_submission_is_dead_lettered_with_the_field(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with referrals_hub(kafka_bootstrap, make_database) as client:
        data = make_submitted()
        later = data.consent.model_copy(
            update={"consented_at": data.submitted_at + timedelta(days=365)}
        )
        bad = submitted_event(data.model_copy(update={"consent": later}))
        good = submitted_event()
        await produce(kafka_bootstrap, to_kafka(bad), to_kafka(good))

        dead = await consume_until(
            kafka_bootstrap,
            topics.DEAD_LETTERS,
            lambda r: r.key == str(data.referral_id).encode(),
        )
        reason = _headers(dead[0])["x-dead-letter-reason"].decode()
        assert reason == "consent.consented_at is after the referral was submitted"
        # The next referral is stored: the refused one blocks nothing, and is not stored.
        await eventually(lambda: _visible_to(client, CVI_ORG, str(good.data.referral_id)))
        missing = await client.get(f"/v1/referrals/{data.referral_id}", headers=auth(HOSPITAL))
        assert missing.status_code == 404
