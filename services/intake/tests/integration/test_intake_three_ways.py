"""One referral sent three ways (the JSON API, a FHIR Bundle from the Gravity IG's examples, a
CSV row) reaches the CVI organisation as three equivalent referral events, and the hospital
reads each one's status back as a FHIR Task."""

import csv
import io
from typing import Any

import pytest
from fhir_examples import referral_bundle
from intake_builders import RECIPIENT, make_partner
from intake_harness import IntakeHarness

from cvihub_contracts import Stream, from_kafka, topics
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission, ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_intake.uploads.columns import COLUMNS, UploadType
from cvihub_testkit import consume_until, eventually

pytestmark = pytest.mark.integration


def _same_referral_as_json() -> dict[str, Any]:
    # What the FHIR example says, written as the hub's own JSON.
    return {
        "recipient_partner_id": RECIPIENT,
        "patient": {
            "given_name": "COLIN",
            "family_name": "BAXTER",
            "date_of_birth": "1987-02-20",
            "phone": "+15555555555",
            "preferred_channel": "phone",
        },
        "injury": {"mechanism": "gunshot"},
        "consent": {
            "consented_by": "patient",
            "consented_at": "2021-05-01T00:00:00Z",
            "recipient_partner_ids": [RECIPIENT],
            "scope": ["contact", "injury"],
        },
        "referring_contact": {
            "name": "Dr Jan Water Family Medicine Physician",
            "phone": "639 442 6719",
        },
        "requested_services": ["hospital-response"],
    }


def _as_csv(body: dict[str, Any]) -> bytes:
    values: dict[str, str] = {}
    for column in COLUMNS[UploadType.REFERRALS]:
        value: Any = body
        for part in column.name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            values[column.name] = ";".join(value) if isinstance(value, list) else str(value)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(values.keys())
    writer.writerow(values.values())
    return out.getvalue().encode()


async def test_json_fhir_and_csv_make_equivalent_referrals(intake: IntakeHarness) -> None:
    hospital = make_partner("three-ways-hospital", publishes=(Stream.REFERRALS,))
    await intake.announce(
        hospital, make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG), recipients=(RECIPIENT,)
    )
    body = _same_referral_as_json()

    by_json = await intake.client.post("/v1/referrals", json=body, headers=hospital.auth)
    assert by_json.status_code == 202, by_json.text
    by_fhir = await intake.client.post(
        "/fhir",
        json=referral_bundle(RECIPIENT),
        headers={**hospital.auth, "Content-Type": "application/fhir+json"},
    )
    assert by_fhir.status_code == 200, by_fhir.text
    posted = await intake.client.post(
        "/v1/uploads",
        content=_as_csv(body),
        params={"type": "referrals"},
        headers={**hospital.auth, "Content-Type": "text/csv"},
    )
    assert posted.status_code == 202, posted.text
    job: dict[str, Any] = {}

    async def finished() -> bool:
        nonlocal job
        job = (await intake.client.get(posted.headers["Location"], headers=hospital.auth)).json()
        return job["status"] == "done"

    await eventually(finished, timeout=20)
    assert job["accepted"] == 1, job

    ids = [
        by_json.json()["referral_id"],
        by_fhir.json()["entry"][0]["response"]["location"].removeprefix("Task/"),
    ]
    csv_event = job["rows"][0]["event_id"]
    records = await consume_until(
        intake.bootstrap,
        topics.REFERRALS,
        lambda r: r.key.decode() in ids or dict(r.headers).get("ce_id") == csv_event.encode(),
        count=3,
    )
    events = [from_kafka(dict(r.headers), r.key, r.value).data for r in records]
    assert all(isinstance(e, ReferralSubmittedV1) for e in events)
    shared = set(ReferralSubmission.model_fields) - {"reason", "source_reference"}
    dumps = [e.model_dump(mode="json", include=shared) for e in events]
    assert dumps[0] == dumps[1] == dumps[2]

    for event in events:
        assert isinstance(event, ReferralSubmittedV1)

        async def readable(referral_id: str = str(event.referral_id)) -> bool:
            task = await intake.client.get(f"/fhir/Task/{referral_id}", headers=hospital.auth)
            return task.status_code == 200 and task.json()["status"] == "requested"

        await eventually(readable, timeout=20)
