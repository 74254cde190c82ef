"""Service areas drawn as polygons: admin and self-service edits, the directory's point filter
and the PartnerChanged events that carry them (real database, real broker)."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from registry_area_builders import AUSTIN, BOW_TIE, ENGLEWOOD, HUMBOLDT, multipolygon, polygon
from registry_builders import admin, bearer, partner_body, registry

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import PartnerChangedV1
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration

IN_HUMBOLDT = {"lon": -87.72, "lat": 41.90}
IN_AUSTIN = {"lon": -87.77, "lat": 41.88}
IN_ENGLEWOOD = {"lon": -87.65, "lat": 41.77}
NOWHERE = {"lon": -87.60, "lat": 42.05}


async def _create(client: httpx.AsyncClient, partner_id: str, **fields: Any) -> dict[str, Any]:
    body = partner_body(partner_id=partner_id, name=f"Org {partner_id}", **fields)
    created = await client.post("/v1/admin/partners", json=body, headers=admin())
    assert created.status_code == 201, created.text
    return dict(created.json())


async def _key(client: httpx.AsyncClient, partner_id: str) -> str:
    issued = await client.post(f"/v1/admin/partners/{partner_id}/keys", headers=admin())
    assert issued.status_code == 201
    return str(issued.json()["api_key"])


async def _ids(client: httpx.AsyncClient, key: str, **query: Any) -> list[str]:
    found = await client.get("/v1/directory", params=query, headers=bearer(key))
    assert found.status_code == 200, found.text
    return [p["partner_id"] for p in found.json()]


async def _event(kafka: str, partner_id: str, sequence: int) -> PartnerChangedV1:
    subject = f"partners/{partner_id}".encode()
    records = await consume_until(
        kafka,
        topics.REGISTRY,
        lambda r: (
            dict(r.headers).get("ce_subject") == subject
            and f'"sequence":{sequence},'.encode() in r.value.replace(b" ", b"")
        ),
    )
    assert dict(records[0].headers)["ce_dataschema"].endswith(b"/v1.3.json")
    event = from_kafka(dict(records[0].headers), records[0].key, records[0].value)
    assert isinstance(event.data, PartnerChangedV1)
    return event.data


async def test_the_directory_finds_partners_by_a_point_in_their_area(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        drawn = polygon(HUMBOLDT, clockwise=True)
        outreach = await _create(
            client,
            "west-outreach",
            kind="cvi_org",
            zones=["north"],
            services_offered=["street outreach"],
            service_area=drawn,
        )
        # Returned as stored: the same square, turned counterclockwise (RFC 7946).
        stored = outreach["service_area"]
        assert stored["type"] == "Polygon" and stored != drawn
        assert sorted(stored["coordinates"][0][:-1]) == sorted(drawn["coordinates"][0][:-1])
        await _create(
            client,
            "mercy-hospital",
            kind="hospital",
            zones=["west"],
            services_offered=["trauma care"],
            service_area=multipolygon(AUSTIN, ENGLEWOOD),
        )
        await _create(client, "undrawn-org", kind="cvi_org", zones=["north"])
        await _create(client, "suspended-org", kind="cvi_org", service_area=polygon(HUMBOLDT))
        suspend = {"status": "suspended"}
        await client.patch("/v1/admin/partners/suspended-org", json=suspend, headers=admin())
        key = await _key(client, "undrawn-org")

        everyone = (await client.get("/v1/directory", headers=bearer(key))).json()
        areas = {p["partner_id"]: p["service_area"] for p in everyone}
        assert areas["west-outreach"] == stored
        assert areas["mercy-hospital"]["type"] == "MultiPolygon"
        assert areas["undrawn-org"] is None
        assert "suspended-org" not in areas

        assert await _ids(client, key, **IN_HUMBOLDT) == ["west-outreach"]
        assert await _ids(client, key, **IN_AUSTIN) == ["mercy-hospital"]
        assert await _ids(client, key, **IN_ENGLEWOOD) == ["mercy-hospital"]
        assert await _ids(client, key, **NOWHERE) == []
        on_the_edge = {"lon": HUMBOLDT[0], "lat": 41.90}
        assert await _ids(client, key, **on_the_edge) == ["west-outreach"]

        # Combined with the other filters: a partner must match every one given.
        assert await _ids(client, key, kind="cvi_org", **IN_HUMBOLDT) == ["west-outreach"]
        assert await _ids(client, key, kind="hospital", **IN_HUMBOLDT) == []
        assert await _ids(client, key, zone="north", **IN_HUMBOLDT) == ["west-outreach"]
        assert await _ids(client, key, zone="west", **IN_HUMBOLDT) == []
        assert await _ids(client, key, service="Trauma Care", **IN_AUSTIN) == ["mercy-hospital"]
        assert await _ids(client, key, service="street outreach", **IN_AUSTIN) == []
        assert await _ids(client, key, zone="north") == ["undrawn-org", "west-outreach"]

        for query, pointer in (
            ({"lat": 41.9}, "#/query/lon"),
            ({"lon": -87.7}, "#/query/lat"),
            ({"lat": 91, "lon": -87.7}, "#/query/lat"),
            ({"lat": 41.9, "lon": -180.5}, "#/query/lon"),
            ({"lat": "nan", "lon": -87.7}, "#/query/lat"),
        ):
            refused = await client.get("/v1/directory", params=query, headers=bearer(key))
            assert refused.status_code == 422, query
            assert refused.headers["content-type"] == "application/problem+json"
            assert [e["pointer"] for e in refused.json()["errors"]] == [pointer], query


async def test_bad_areas_are_refused_by_pointer_and_nothing_is_stored(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        unclosed = polygon(HUMBOLDT)
        unclosed["coordinates"][0][-1] = [-87.73, 41.89]
        out_of_range = polygon(HUMBOLDT)
        out_of_range["coordinates"][0][2] = [-87.69, 95.5]
        cases = [
            (BOW_TIE, "#/service_area/coordinates/0", "invalid_geometry"),
            (unclosed, "#/service_area/coordinates/0", "ring_not_closed"),
            (out_of_range, "#/service_area/coordinates/0/2/1", "less_than_equal"),
            ({"type": "Point", "coordinates": [-87.7, 41.9]}, "#/service_area/type", None),
        ]
        details = []
        for area, pointer, code in cases:
            body = partner_body(partner_id="bad-area", service_area=area)
            refused = await client.post("/v1/admin/partners", json=body, headers=admin())
            assert refused.status_code == 422, area
            assert refused.headers["content-type"] == "application/problem+json"
            errors = refused.json()["errors"]
            assert [e["pointer"] for e in errors] == [pointer]
            assert code is None or errors[0]["code"] == code
            assert "95.5" not in refused.text  # values are not echoed back
            details.append(errors[0]["detail"])
        # Where the bow-tie crosses itself (a point of no input position), to help fix it.
        assert "self-intersection near longitude -87.715, latitude 41.905" in details[0]
        assert (await client.get("/v1/admin/partners/bad-area", headers=admin())).status_code == 404


async def test_admin_patches_and_clears_the_area_and_each_change_is_published(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        created = await _create(client, "org-a", kind="cvi_org")
        assert created["service_area"] is None
        key = await _key(client, "org-a")

        drawn = await client.patch(
            "/v1/admin/partners/org-a",
            json={"service_area": multipolygon(HUMBOLDT, AUSTIN)},
            headers=admin(),
        )
        assert drawn.status_code == 200
        area = drawn.json()["service_area"]
        assert area["type"] == "MultiPolygon" and len(area["coordinates"]) == 2
        assert await _ids(client, key, **IN_AUSTIN) == ["org-a"]
        published = await _event(kafka_bootstrap, "org-a", drawn.json()["sequence"])
        assert published.service_area is not None
        assert published.service_area.model_dump(mode="json") == area

        # Another field alone leaves the area as it is.
        renamed = await client.patch(
            "/v1/admin/partners/org-a", json={"name": "Org A West"}, headers=admin()
        )
        assert renamed.json()["service_area"] == area

        bad = await client.patch(
            "/v1/admin/partners/org-a", json={"service_area": BOW_TIE}, headers=admin()
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["pointer"] == "#/service_area/coordinates/0"

        cleared = await client.patch(
            "/v1/admin/partners/org-a", json={"service_area": None}, headers=admin()
        )
        assert cleared.status_code == 200 and cleared.json()["service_area"] is None
        assert await _ids(client, key, **IN_AUSTIN) == []
        gone = await _event(kafka_bootstrap, "org-a", cleared.json()["sequence"])
        assert gone.service_area is None and gone.name == "Org A West"

        audit = (await client.get("/v1/admin/audit", headers=admin())).json()
        updates = [e["detail"]["fields"] for e in audit if e["action"] == "partner.updated"]
        assert updates == [["service_area"], ["name"], ["service_area"]]  # newest first


async def test_a_partner_draws_its_own_area(kafka_bootstrap: str, make_database: Any) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await _create(client, "org-a", kind="cvi_org", zones=["north"])
        await _create(client, "org-b", kind="cvi_org")
        key_a, key_b = await _key(client, "org-a"), await _key(client, "org-b")

        mine = await client.patch(
            "/v1/partners/me", json={"service_area": polygon(ENGLEWOOD)}, headers=bearer(key_a)
        )
        assert mine.status_code == 200, mine.text
        assert mine.json()["service_area"]["type"] == "Polygon"
        me = (await client.get("/v1/partners/me", headers=bearer(key_a))).json()
        assert me["service_area"] == mine.json()["service_area"]
        assert await _ids(client, key_b, **IN_ENGLEWOOD) == ["org-a"]
        published = await _event(kafka_bootstrap, "org-a", mine.json()["sequence"])
        assert published.service_area is not None

        bad = await client.patch(
            "/v1/partners/me", json={"service_area": BOW_TIE}, headers=bearer(key_a)
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["pointer"] == "#/service_area/coordinates/0"
        # The zones stay the admin's.
        zones = await client.patch("/v1/partners/me", json={"zones": ["x"]}, headers=bearer(key_a))
        assert zones.status_code == 422

        cleared = await client.patch(
            "/v1/partners/me", json={"service_area": None}, headers=bearer(key_a)
        )
        assert cleared.status_code == 200 and cleared.json()["service_area"] is None
        assert await _ids(client, key_b, **IN_ENGLEWOOD) == []
        b_now = (await client.get("/v1/admin/partners/org-b", headers=admin())).json()
        assert b_now["service_area"] is None

        audit = (await client.get("/v1/admin/audit", headers=admin())).json()
        own = [
            e["detail"]["fields"]
            for e in audit
            if e["action"] == "partner.profile-updated" and e["actor"] == "org-a"
        ]
        assert own == [["service_area"], ["service_area"]]


async def test_a_seeded_area_is_stored_and_announced(
    kafka_bootstrap: str, make_database: Any, tmp_path: Path
) -> None:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(
        "partners:\n"
        "  - partner_id: seeded-cvi\n"
        "    name: Seeded CVI\n"
        "    kind: cvi_org\n"
        f"    service_area: {json.dumps(multipolygon(AUSTIN, ENGLEWOOD))}\n",
        encoding="utf-8",
    )
    async with registry(kafka_bootstrap, make_database("registry"), seed_file=seed_file) as client:
        seeded = (await client.get("/v1/admin/partners/seeded-cvi", headers=admin())).json()
        assert seeded["service_area"]["type"] == "MultiPolygon"
        key = await _key(client, "seeded-cvi")
        assert await _ids(client, key, **IN_ENGLEWOOD) == ["seeded-cvi"]
        published = await _event(kafka_bootstrap, "seeded-cvi", seeded["sequence"])
        assert published.service_area is not None
        assert published.service_area.model_dump(mode="json") == seeded["service_area"]
