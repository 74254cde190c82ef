"""A consent withdrawn on the registry hides the person from the recipient's every route."""

import uuid
from collections.abc import Callable

import pytest
from referrals_builders import CVI_ORG, HOSPITAL, auth, consent_event, make_submitted
from referrals_builders import submitted_event as submitted_event_of
from referrals_harness import referrals_hub

from cvihub_contracts import to_kafka
from cvihub_contracts.referral.submitted_v1 import Consent
from cvihub_contracts.registry.changes_v1 import EntityStatus
from cvihub_testkit import TestDatabase, eventually, produce

pytestmark = pytest.mark.integration


async def test_a_withdrawal_hides_the_person_from_the_recipient_and_keeps_the_status(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    consent_id = f"c-{uuid.uuid4()}"
    async with referrals_hub(kafka_bootstrap, make_database) as client:
        data = make_submitted()
        data = data.model_copy(
            update={
                "consent": Consent(
                    consented_by="patient",
                    consented_at=data.consent.consented_at,
                    recipient_partner_ids=[CVI_ORG],
                    scope=["contact", "injury"],
                    consent_id=consent_id,
                )
            }
        )
        await produce(kafka_bootstrap, to_kafka(consent_event(consent_id)))
        await produce(kafka_bootstrap, to_kafka(submitted_event_of(data)))
        path = f"/v1/referrals/{data.referral_id}"

        async def recipient_reads_the_person() -> bool:
            found = await client.get(path, headers=auth(CVI_ORG))
            return found.status_code == 200 and "given_name" in found.json()["payload"]["patient"]

        await eventually(recipient_reads_the_person, timeout=20)
        accepted = await client.post(f"{path}/accept", headers=auth(CVI_ORG), json={})
        assert accepted.json()["payload"]["patient"]["given_name"] == "Test"

        withdrawn = consent_event(consent_id, status=EntityStatus.REVOKED, sequence=2)
        await produce(kafka_bootstrap, to_kafka(withdrawn))

        async def hidden() -> bool:
            return not await recipient_reads_the_person()

        await eventually(hidden, timeout=20)
        attempt = await client.post(
            f"{path}/attempts",
            headers=auth(CVI_ORG),
            json={"occurred_at": "2024-05-02T10:00:00Z", "method": "phone", "outcome": "reached"},
        )
        read = await client.get(path, headers=auth(CVI_ORG))
        listed = await client.get("/v1/referrals", headers=auth(CVI_ORG))
        for response in (attempt, read):
            body = response.json()
            assert response.status_code == 200
            assert body["consent"] == {"covers_you": False, "reason": "consent withdrawn"}
            assert "Test" not in response.text and "+13125550100" not in response.text
            assert "#/patient/given_name" in body["withheld"]
            assert body["status"] == "accepted" and len(body["history"]) == 2
        assert str(data.referral_id) in {r["referral_id"] for r in listed.json()}
        assert "+13125550100" not in listed.text
        referrer = await client.get(path, headers=auth(HOSPITAL))
        assert referrer.json()["payload"]["patient"]["phone"] == "+13125550100"
