"""Uploads and FHIR referrals leave no personal data at rest in intake: a raw dump after a CSV
of referrals (one accepted, one refused), an incidents file and a FHIR transaction holds none
of the names, birth dates, phone numbers, e-mail or street addresses sent (upload jobs and
their reports name columns, never values; FHIR Tasks keep ids and status)."""

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fhir_examples import patient, referral_bundle
from intake_builders import RECIPIENT, make_partner
from intake_harness import intake_with, upload

from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import TestDatabase, dump_database, eventually, plaintext_in
from cvihub_testkit.keys import run_key_ring_text

pytestmark = pytest.mark.integration

# Test PII, distinctive enough that no other stored text holds it by chance.
GIVEN, FAMILY, BIRTH = "Octavia", "Wolfenbarger", "1993-09-21"
PHONE, EMAIL, STREET = "+13125550177", "octavia.w@example.org", "8812 S Muskegon Ave"
OTHER_GIVEN, OTHER_FAMILY, BAD_PHONE = "Leopold", "Featherstonehaugh", "not a phone 555-0199"
BLOCK = "6500 block of S Kilbourn Ave"
PII = [GIVEN, FAMILY, BIRTH, PHONE, EMAIL, STREET, OTHER_GIVEN, OTHER_FAMILY, BAD_PHONE, BLOCK]


def _referrals_csv(template: str) -> bytes:
    """The template's columns with two rows: one valid, one with a phone that is not one."""
    [header, example] = list(csv.reader(io.StringIO(template)))
    valid = dict(zip(header, example, strict=True))
    valid.update(
        {
            "recipient_partner_id": RECIPIENT,
            "patient.given_name": GIVEN,
            "patient.family_name": FAMILY,
            "patient.date_of_birth": BIRTH,
            "patient.phone": PHONE,
            "patient.email": EMAIL,
            "consent.recipient_partner_ids": RECIPIENT,
            "consent.consent_id": "",
            "reason": f"lives at {STREET}",
        }
    )
    refused = valid | {
        "patient.given_name": OTHER_GIVEN,
        "patient.family_name": OTHER_FAMILY,
        "patient.phone": BAD_PHONE,
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows([valid, refused])
    return out.getvalue().encode()


def _fhir_patient() -> dict[str, Any]:
    resource = patient()
    resource["name"] = [{"family": FAMILY, "given": [GIVEN]}]
    resource["birthDate"] = BIRTH
    resource["telecom"] = [{"system": "phone", "value": PHONE}]
    resource["address"] = [{"line": [STREET], "city": "Chicago", "state": "IL"}]
    return resource


async def test_uploads_their_reports_and_fhir_tasks_hold_no_plaintext_pii(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    database = make_database("intake")
    hospital = make_partner(
        "upload-hospital",
        publishes=(Stream.REFERRALS, Stream.INCIDENT_ALERTS),
        kind=PartnerKind.HOSPITAL,
    )
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)
    async with intake_with(kafka_bootstrap, database, run_key_ring_text()) as intake:
        await intake.announce(hospital, recipient, recipients=(RECIPIENT,))
        template = await intake.client.get("/v1/uploads/templates/referrals.csv")
        job = await upload(intake, hospital, _referrals_csv(template.text), type="referrals")
        assert (job["accepted"], job["refused"]) == (1, 1), job
        [refusal] = [row for row in job["rows"] if row["status"] != "accepted"]
        assert refusal["errors"][0]["column"] == "patient.phone", refusal
        report = await intake.client.get(
            f"/v1/uploads/{job['upload_id']}/report.csv", headers=hospital.auth
        )
        assert report.status_code == 200 and "patient.phone" in report.text

        incidents = await intake.client.get("/v1/uploads/templates/incidents.csv")
        incident = incidents.text.replace("1200 block of W Example Ave", BLOCK)
        job = await upload(intake, hospital, incident.encode(), type="incidents")
        assert job["accepted"] == 1, job

        bundle = referral_bundle(RECIPIENT, patient=_fhir_patient())
        answer = await intake.client.post(
            "/fhir", json=bundle, headers={**hospital.auth, "Content-Type": "application/fhir+json"}
        )
        assert answer.status_code == 200, answer.text
        task_id = answer.json()["entry"][0]["response"]["location"].removeprefix("Task/")

        async def task_reads() -> bool:
            read = await intake.client.get(f"/fhir/Task/{task_id}", headers=hospital.auth)
            return read.status_code == 200

        await eventually(task_reads, timeout=20)
        await eventually(intake.all_published, timeout=20)

    dump = await dump_database(database)
    assert plaintext_in(dump, [task_id, "patient.phone"]) == [task_id, "patient.phone"]
    assert plaintext_in(dump, PII) == []
