"""CSV and Excel uploads: per-row reports, all-or-nothing, encodings, hostile files."""

import csv
import io
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from intake_builders import RECIPIENT, TestPartner, make_partner
from intake_harness import IntakeHarness, upload

from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind

pytestmark = pytest.mark.integration

BULLETIN_HEADER = "kind,title,summary,starts_at,ends_at,venue.name,tags\r\n"


def bulletin_row(title: str, starts: str = "2027-01-05T18:00:00-06:00") -> str:
    """One CSV line of a bulletin."""
    return f"event,{title},A walk for peace.,{starts},,Example Park,vigil;walk\r\n"


async def _publisher(intake: IntakeHarness) -> TestPartner:
    partner = make_partner(
        "upload-org",
        publishes=(Stream.BULLETINS, Stream.INCIDENT_ALERTS, Stream.REFERRALS),
        kind=PartnerKind.CVI_ORG,
    )
    await intake.announce(partner, make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG))
    return partner


async def test_valid_rows_are_accepted_and_the_rest_reported_by_row_and_column(
    intake: IntakeHarness,
) -> None:
    partner = await _publisher(intake)
    before = await intake.outbox_count()
    body = (
        BULLETIN_HEADER
        + bulletin_row("Walk one")
        + ",,,,,,\r\n"  # blank
        + bulletin_row("Walk one")  # duplicate of row 2
        + "event,Walk two,A walk.,2027-01-05T18:00:00,,Park,\r\n"  # no time zone
        + "party,Walk three,A walk.,2027-01-05T18:00:00Z,,Park,\r\n"  # unknown kind
        + bulletin_row("Walk four")
    ).encode("utf-8-sig")

    job = await upload(intake, partner, body, type="bulletins")

    assert job["status"] == "done"
    assert job["encoding"] == "utf-8-sig"
    assert (job["accepted"], job["refused"], job["duplicates"], job["blank_rows"]) == (2, 2, 1, 1)
    rows = {r["row"]: r for r in job["rows"]}
    assert rows[2]["status"] == "accepted" and rows[2]["event_id"]
    assert rows[4]["status"] == "duplicate"
    assert rows[4]["errors"][0]["detail"] == "the same as row 2"
    assert rows[5]["errors"] == [
        {
            "column": "starts_at",
            "code": "timezone_aware",
            "detail": "Input should have timezone info",
        }
    ]
    assert rows[6]["errors"][0]["column"] == "kind"
    assert rows[7]["status"] == "accepted"
    assert await intake.outbox_count() == before + 2

    # The same file again makes no second event: its rows get their first answers.
    again = await upload(intake, partner, body, type="bulletins")
    assert again["accepted"] == 2
    assert [r["event_id"] for r in again["rows"] if r["status"] == "accepted"] == [
        rows[2]["event_id"],
        rows[7]["event_id"],
    ]
    assert all(r["replayed"] for r in again["rows"] if r["status"] == "accepted")
    assert await intake.outbox_count() == before + 2

    report = await intake.client.get(
        f"/v1/uploads/{job['upload_id']}/report.csv", headers=partner.auth
    )
    assert report.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(report.text)))
    assert lines[0] == ["row", "status", "event_id", "column", "code", "detail"]
    assert lines[3][:5] == ["5", "refused", "", "starts_at", "timezone_aware"]


async def test_all_or_nothing_accepts_nothing_when_a_row_is_bad(intake: IntakeHarness) -> None:
    partner = await _publisher(intake)
    before = await intake.outbox_count()
    body = (BULLETIN_HEADER + bulletin_row("Good") + "event,,No title.,,,,\r\n").encode()

    job = await upload(intake, partner, body, type="bulletins", all_or_nothing="true")

    assert job["status"] == "refused"
    assert job["accepted"] == 0
    assert [r["status"] for r in job["rows"]] == ["not-accepted", "refused"]
    assert await intake.outbox_count() == before


async def test_templates_go_back_in_as_downloaded(intake: IntakeHarness) -> None:
    partner = await _publisher(intake)
    incidents = await intake.client.get("/v1/uploads/templates/incidents.csv")
    assert incidents.status_code == 200
    job = await upload(intake, partner, incidents.content)  # the type is guessed
    assert (job["type"], job["accepted"]) == ("incidents", 1), job

    referrals = await intake.client.get("/v1/uploads/templates/referrals.csv")
    # Phone numbers lead with "+": the template neutralises them, and reading undoes it.
    assert ",'+1" in referrals.text
    job = await upload(intake, partner, referrals.content, type="referrals")
    # The example quotes a consent record this hub does not hold: refused, by column.
    [row] = job["rows"]
    assert row["errors"][0]["column"] == "consent.consent_id", row
    assert row["errors"][0]["code"] == "consent-record-unknown"


async def test_windows_1252_is_read_and_other_encodings_refused(intake: IntakeHarness) -> None:
    partner = await _publisher(intake)
    body = (BULLETIN_HEADER + bulletin_row("Caminata por la paz en Peñasco: café €2")).encode(
        "cp1252"
    )
    job = await upload(intake, partner, body, type="bulletins")
    assert (job["encoding"], job["accepted"]) == ("windows-1252", 1)

    utf16 = (BULLETIN_HEADER + bulletin_row("Walk")).encode("utf-16")
    refused = await intake.client.post(
        "/v1/uploads",
        content=utf16,
        params={"type": "bulletins"},
        headers={**partner.auth, "Content-Type": "text/csv"},
    )
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/unsupported-encoding")
    assert "UTF-16" in refused.json()["detail"]


async def test_excel_workbooks_are_read(intake: IntakeHarness) -> None:
    partner = await _publisher(intake)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["kind", "title", "summary", "starts_at", "tags"])
    sheet.append(["event", "Vigil", "Candles at dusk.", "2027-02-01T17:00:00-06:00", "vigil"])
    sheet.append(["resource", "Guide", "A guide to services.", None, None])
    sheet.append(["resource", '=HYPERLINK("http://x")', "A guide.", None, None])
    data = io.BytesIO()
    workbook.save(data)

    job = await upload(
        intake,
        partner,
        data.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert (job["type"], job["encoding"], job["accepted"]) == ("bulletins", "xlsx", 2), job
    # A formula is not text: a cell that holds one (with no value saved by Excel) is empty.
    [refused] = [r for r in job["rows"] if r["status"] == "refused"]
    assert (refused["row"], refused["errors"][0]["column"]) == (4, "title")


async def test_hostile_files_are_refused_clearly(intake: IntakeHarness) -> None:
    partner = await _publisher(intake)

    async def post(body: bytes, content_type: str = "text/csv", **params: str) -> Any:
        return await intake.client.post(
            "/v1/uploads",
            content=body,
            params=params,
            headers={**partner.auth, "Content-Type": content_type},
        )

    too_many = (BULLETIN_HEADER + bulletin_row("x") * 10_001).encode()
    answer = await post(too_many, type="bulletins")
    assert answer.status_code == 422 and answer.json()["type"].endswith("/too-many-rows")
    bad_header = await post(b"kind,title,=cmd|' /C calc'!A0\r\n", type="bulletins")
    assert bad_header.status_code == 422
    details = [e["detail"] for e in bad_header.json()["errors"]]
    assert "unknown column '=cmd|' /C calc'!A0" in details
    assert "missing column summary" in details
    assert (await post(b"\x00\x01garbage", "image/png")).status_code == 415
    huge = await post(b"x" * (9 * 1024 * 1024), type="bulletins")
    assert huge.status_code == 413
    unauthenticated = await intake.client.post("/v1/uploads", content=b"a,b")
    assert unauthenticated.status_code == 401


async def test_other_single_byte_encodings_are_refused_naming_them(
    intake: IntakeHarness,
) -> None:
    partner = await _publisher(intake)
    body = (BULLETIN_HEADER + bulletin_row("Прогулка мира для всех соседей района")).encode(
        "cp1251"
    )
    answer = await intake.client.post(
        "/v1/uploads",
        content=body,
        params={"type": "bulletins"},
        headers={**partner.auth, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 422, answer.text
    assert "neither UTF-8 nor Windows-1252" in answer.json()["detail"]
