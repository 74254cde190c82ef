"""Refusals the referrals service decides reach the audit topic, with ids and reasons only."""

import uuid
from collections.abc import Callable

import pytest
from referrals_builders import CVI_ORG, HOSPITAL, OTHER_ORG, auth, submitted_event
from referrals_harness import referrals_hub

from cvihub_contracts import from_kafka, to_kafka, topics
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_testkit import TestDatabase, consume_until, eventually, produce

pytestmark = pytest.mark.integration


def _refusal(record: object) -> AccessRefusedV1:
    headers = {name: value for name, value in record.headers}  # type: ignore[attr-defined]
    event = from_kafka(headers, record.key, record.value)  # type: ignore[attr-defined]
    assert isinstance(event.data, AccessRefusedV1)
    return event.data


async def test_another_partners_referral_and_the_other_partys_move_are_audited(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with referrals_hub(kafka_bootstrap, make_database) as client:
        submitted = submitted_event()
        referral_id = str(submitted.data.referral_id)
        await produce(kafka_bootstrap, to_kafka(submitted))

        async def visible() -> bool:
            response = await client.get(f"/v1/referrals/{referral_id}", headers=auth(CVI_ORG))
            return response.status_code == 200

        await eventually(visible)
        peek = await client.get(f"/v1/referrals/{referral_id}", headers=auth(OTHER_ORG))
        grab = await client.post(f"/v1/referrals/{referral_id}/accept", headers=auth(OTHER_ORG))
        missing = await client.get(f"/v1/referrals/{uuid.uuid4()}", headers=auth(OTHER_ORG))
        by_sender = await client.post(f"/v1/referrals/{referral_id}/accept", headers=auth(HOSPITAL))

        named = {OTHER_ORG.encode(), HOSPITAL.encode()}
        records = await consume_until(
            kafka_bootstrap, topics.AUDIT, lambda r: r.key in named, count=3
        )

    assert [peek.status_code, grab.status_code, missing.status_code] == [404, 404, 404]
    assert by_sender.status_code == 403
    refusals = [_refusal(r) for r in records]
    # The missing referral is not a refusal: nothing exists to refuse.
    assert {r.resource for r in refusals} == {referral_id}
    outsider = sorted(
        (r.action, r.reason, r.status_code) for r in refusals if r.partner_id == OTHER_ORG
    )
    assert outsider == [
        ("GET /v1/referrals/{referral_id}", "not a party to this referral", 404),
        ("POST /v1/referrals/{referral_id}/accept", "not a party to this referral", 404),
    ]
    [sender] = [r for r in refusals if r.partner_id == HOSPITAL]
    assert sender.reason == "only the recipient may move a referral to accepted"
    assert sender.status_code == 403
    assert sender.credential_id is not None
    assert all(r.service == "referrals" for r in refusals)
