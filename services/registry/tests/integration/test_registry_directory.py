"""A partner's directory entry (CVI services, languages, age groups): set by the admin, by the
partner itself or by the seed, validated with the contracts' codes, shown in the directory and
published as org.cvihub.registry.directory.changed with every change of the partner."""

from pathlib import Path
from typing import Any

import pytest
from registry_builders import admin, bearer, partner_body, registry

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import EntityStatus
from cvihub_contracts.registry.directory_v1 import DirectoryChangedV1
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration

ENTRY = {"cvi_services": ["mentoring", "street-outreach"], "languages": ["en", "es"]}


async def _directory_events(kafka: str, partner_id: str, count: int) -> list[DirectoryChangedV1]:
    subject = f"partners/{partner_id}/directory".encode()
    records = await consume_until(
        kafka, topics.REGISTRY, lambda r: dict(r.headers).get("ce_subject") == subject, count=count
    )
    events = [from_kafka(dict(r.headers), r.key, r.value).data for r in records]
    assert all(isinstance(e, DirectoryChangedV1) for e in events)
    return sorted(events, key=lambda e: e.sequence)  # type: ignore[union-attr, return-value]


async def test_admin_and_partner_set_the_entry_it_is_shown_and_published(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        body = partner_body(partner_id="dir-west", kind="cvi_org", zones=["west"], **ENTRY)
        created = await client.post("/v1/admin/partners", json=body, headers=admin())
        assert created.status_code == 201, created.text
        assert created.json()["cvi_services"] == ["mentoring", "street-outreach"]
        assert created.json()["age_groups"] == []
        key = (await client.post("/v1/admin/partners/dir-west/keys", headers=admin())).json()

        mine = await client.patch(
            "/v1/partners/me",
            json={"cvi_services": ["mentoring"], "age_groups": ["youth", "young-adult"]},
            headers=bearer(key["api_key"]),
        )
        assert mine.status_code == 200, mine.text
        assert mine.json()["languages"] == ["en", "es"]

        listed = (await client.get("/v1/directory", headers=bearer(key["api_key"]))).json()
        [entry] = [p for p in listed if p["partner_id"] == "dir-west"]
        assert (entry["cvi_services"], entry["languages"], entry["age_groups"]) == (
            ["mentoring"],
            ["en", "es"],
            ["youth", "young-adult"],
        )

        async def ids(query: str) -> list[str]:
            found = await client.get(f"/v1/directory?{query}", headers=bearer(key["api_key"]))
            return [p["partner_id"] for p in found.json()]

        assert "dir-west" in await ids("cvi_service=mentoring&language=es-MX")
        assert "dir-west" not in await ids("cvi_service=housing")
        assert "dir-west" not in await ids("language=fr")
        bad = await client.get("/v1/directory?cvi_service=surgery", headers=bearer(key["api_key"]))
        assert bad.status_code == 422

        suspended = await client.patch(
            "/v1/admin/partners/dir-west", json={"status": "suspended"}, headers=admin()
        )
        assert suspended.status_code == 200

        first, second, third = await _directory_events(kafka_bootstrap, "dir-west", 3)
    assert (first.services, first.languages, first.status) == (
        ["mentoring", "street-outreach"],
        ["en", "es"],
        EntityStatus.ACTIVE,
    )
    assert (second.services, second.age_groups) == (["mentoring"], ["youth", "young-adult"])
    # The entry is suspended with its partner: no network referral is offered to it.
    assert third.status is EntityStatus.SUSPENDED and third.services == ["mentoring"]
    assert first.sequence < second.sequence < third.sequence


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cvi_services", ["surgery"]),
        ("age_groups", ["elderly"]),
        ("languages", ["english please"]),
        ("cvi_services", None),
    ],
)
async def test_codes_outside_the_contracts_are_refused(
    kafka_bootstrap: str, make_database: Any, field: str, value: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        made = await client.post(
            "/v1/admin/partners", json=partner_body(partner_id="dir-bad"), headers=admin()
        )
        assert made.status_code == 201
        key = (await client.post("/v1/admin/partners/dir-bad/keys", headers=admin())).json()
        as_admin = await client.patch(
            "/v1/admin/partners/dir-bad", json={field: value}, headers=admin()
        )
        as_partner = await client.patch(
            "/v1/partners/me", json={field: value}, headers=bearer(key["api_key"])
        )
        on_create = await client.post(
            "/v1/admin/partners",
            json=partner_body(partner_id="dir-bad-2", **{field: value}),
            headers=admin(),
        )
        for response in (as_admin, as_partner, on_create):
            assert response.status_code == 422, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
        unchanged = (await client.get("/v1/admin/partners/dir-bad", headers=admin())).json()
        assert (unchanged["cvi_services"], unchanged["age_groups"]) == ([], [])


async def test_the_seed_sets_the_entry_and_the_snapshot_republishes_it(
    kafka_bootstrap: str, make_database: Any, tmp_path: Path
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "partners:\n"
        "  - partner_id: dir-seeded\n"
        "    name: Seeded CVI\n"
        "    kind: cvi_org\n"
        "    zones: [north]\n"
        "    cvi_services: [hospital-response]\n"
        "    languages: [en]\n"
        "    age_groups: [adult]\n"
    )
    db = make_database("registry")
    async with registry(kafka_bootstrap, db, seed_file=seed) as client:
        seeded = (await client.get("/v1/admin/partners/dir-seeded", headers=admin())).json()
        assert seeded["cvi_services"] == ["hospital-response"]
    async with registry(kafka_bootstrap, db, seed_file=seed):
        # Creation, then one snapshot per start: three announcements of the same entry.
        events = await _directory_events(kafka_bootstrap, "dir-seeded", 3)
    assert {(e.sequence, tuple(e.services), tuple(e.age_groups)) for e in events} == {
        (events[0].sequence, ("hospital-response",), ("adult",))
    }
