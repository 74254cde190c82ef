"""`cvihub admin partners` (and a partner's whole onboarding) against a real registry."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_admin_helpers import ADMIN_TOKEN, Registry, admin, field, ok, row

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cli-admin")]


def test_onboarding_a_partner_end_to_end(registry: Registry) -> None:
    created = ok(
        admin(
            registry, "partners", "create", "safe-streets", "--name", "Safe Streets",
            "--kind", "cvi_org", "--email", "ops@safe-streets.example",
        )
    )  # fmt: skip
    assert field(created, "status") == "active"
    assert field(created, "contact_email") == "ops@safe-streets.example"
    assert "Safe Streets" in row(ok(admin(registry, "partners", "list")), "safe-streets")

    issued = ok(admin(registry, "keys", "issue", "safe-streets"))
    credential_id = re.search(r"credential id: (\S+)", issued)
    assert credential_id, issued
    assert "shown only now" in issued
    api_key = issued.strip().splitlines()[-1]
    assert api_key.startswith(f"cvh_{credential_id.group(1)}_")
    keys = ok(admin(registry, "keys", "list", "safe-streets"))
    assert "active" in row(keys, credential_id.group(1))
    assert api_key not in keys

    grant = ok(
        admin(
            registry, "grants", "create", "safe-streets", "incident-alerts", "subscribe",
            "--zone", "north", "--zone", "east", "--field-view", "public",
            "--purpose", "outreach", "--agreement-ref", "DSA-7",
        )
    )  # fmt: skip
    grant_id = field(grant, "grant_id")
    assert field(grant, "zones") == "north, east"
    assert field(grant, "field_view") == "public"
    listed = row(ok(admin(registry, "grants", "list", "--partner", "safe-streets")), grant_id)
    assert "DSA-7" in listed
    assert "active" in listed

    added = ok(
        admin(
            registry, "subscriptions", "add", "safe-streets", "incident-alerts",
            "https://safe-streets.example/hooks",
        )
    )  # fmt: skip
    subscription_id = field(added, "subscription_id")
    assert added.strip().splitlines()[-1].startswith("whsec_")
    subs = ok(admin(registry, "subscriptions", "list", "--partner", "safe-streets"))
    assert "https://safe-streets.example/hooks" in row(subs, subscription_id)

    assert field(ok(admin(registry, "partners", "suspend", "safe-streets")), "status") == (
        "suspended"
    )
    assert field(ok(admin(registry, "partners", "reactivate", "safe-streets")), "status") == (
        "active"
    )

    ok(admin(registry, "keys", "revoke", credential_id.group(1)))
    ok(admin(registry, "grants", "revoke", grant_id))
    ok(admin(registry, "subscriptions", "remove", subscription_id))
    keys_after = ok(admin(registry, "keys", "list", "safe-streets"))
    assert "revoked" in row(keys_after, credential_id.group(1))
    assert "revoked" in row(ok(admin(registry, "grants", "list")), grant_id)
    assert "revoked" in row(ok(admin(registry, "subscriptions", "list")), subscription_id)

    audit = ok(admin(registry, "audit", "--limit", "100"))
    assert "safe-streets" in audit
    assert ok(admin(registry, "audit", "verify")).startswith("audit chain intact")


def test_a_validation_error_prints_each_pointer(registry: Registry) -> None:
    result = admin(
        registry, "partners", "create", "Not An Id!", "--name", "X", "--kind", "spaceship",
        "--email", "not-an-email",
    )  # fmt: skip

    assert result.exit_code == 1
    assert "(422)" in result.output
    assert "3 field(s) failed validation" in result.output
    for pointer in ("#/partner_id: ", "#/kind: ", "#/contact_email: "):
        assert pointer in result.output
    assert "Not An Id!" not in result.output  # the API does not echo values back


def _geojson(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _square(west: float, south: float, east: float, north: float) -> list[list[float]]:
    """A closed ring, clockwise (GIS tools often draw them so; the registry turns them)."""
    return [[west, south], [west, north], [east, north], [east, south], [west, south]]


def test_a_service_area_is_drawn_from_a_geojson_file_and_summed_up(
    registry: Registry, tmp_path: Path
) -> None:
    humboldt = {"type": "Polygon", "coordinates": [_square(-87.74, 41.89, -87.69, 41.92)]}
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": "HP"}, "geometry": humboldt}],
    }
    created = ok(
        admin(
            registry, "partners", "create", "area-cvi", "--name", "Area CVI", "--kind", "cvi_org",
            "--service-area-file", str(_geojson(tmp_path / "hp.geojson", collection)),
        )
    )  # fmt: skip
    summary = "Polygon: 1 ring, 5 positions, bbox -87.74,41.89 to -87.69,41.92 (lon,lat)"
    assert field(created, "service_area") == summary
    assert field(ok(admin(registry, "partners", "show", "area-cvi")), "service_area") == summary

    squares = [_square(-87.74, 41.89, -87.69, 41.92), _square(-87.79, 41.87, -87.75, 41.91)]
    two = {"type": "MultiPolygon", "coordinates": [[square] for square in squares]}
    feature = {"type": "Feature", "geometry": two, "properties": None}
    updated = ok(
        admin(
            registry, "partners", "update", "area-cvi",
            "--service-area-file", str(_geojson(tmp_path / "two.geojson", feature)),
        )
    )  # fmt: skip
    assert field(updated, "service_area") == (
        "MultiPolygon: 2 polygons, 2 rings, 10 positions, bbox -87.79,41.87 to -87.69,41.92 "
        "(lon,lat)"
    )
    stored = httpx.get(
        f"{registry.url}/v1/admin/partners/area-cvi",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ).json()["service_area"]
    assert stored["type"] == "MultiPolygon" and len(stored["coordinates"]) == 2

    cleared = ok(admin(registry, "partners", "update", "area-cvi", "--clear-service-area"))
    assert field(cleared, "service_area") == "none"


def test_a_bad_service_area_file_exits_1_saying_why(registry: Registry, tmp_path: Path) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[-87.74, 41.89], [-87.69, 41.92], [-87.69, 41.89], [-87.74, 41.92],
                         [-87.74, 41.89]]],
    }  # fmt: skip
    crossing = admin(
        registry, "partners", "create", "bowtie-org", "--name", "B", "--kind", "cvi_org",
        "--service-area-file", str(_geojson(tmp_path / "bow.geojson", bow_tie)),
    )  # fmt: skip
    assert crossing.exit_code == 1
    assert "(422)" in crossing.output
    assert "#/service_area/coordinates/0: not a valid shape: self-intersection" in crossing.output

    several = {"type": "FeatureCollection", "features": [{}, {}]}
    collection = admin(
        registry, "partners", "create", "bowtie-org", "--name", "B", "--kind", "cvi_org",
        "--service-area-file", str(_geojson(tmp_path / "two.geojson", several)),
    )  # fmt: skip
    assert collection.exit_code == 1
    assert "FeatureCollection of 2 features" in collection.output
    assert admin(registry, "partners", "show", "bowtie-org").exit_code == 1  # nothing created

    missing = admin(
        registry, "partners", "update", "area-cvi", "--service-area-file", str(tmp_path / "no")
    )
    assert missing.exit_code == 1 and "cannot read" in missing.output
    neither = admin(registry, "partners", "update", "area-cvi")
    assert neither.exit_code == 1 and "--service-area-file PATH or --clear" in neither.output


def test_an_unknown_id_prints_the_problem(registry: Registry) -> None:
    result = admin(registry, "partners", "show", "nobody-here")

    assert result.exit_code == 1
    assert "Not Found (404)" in result.output


def test_the_directory_entry_is_set_list_by_list(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "dir-cli", "--name", "Dir", "--kind", "cvi_org"))

    set_ = ok(
        admin(
            registry, "partners", "directory", "dir-cli", "--service", "mentoring",
            "--service", "hospital-response", "--language", "es",
        )
    )  # fmt: skip
    again = ok(admin(registry, "partners", "directory", "dir-cli", "--age-group", "youth"))
    refused = admin(registry, "partners", "directory", "dir-cli", "--service", "surgery")
    nothing = admin(registry, "partners", "directory", "dir-cli")

    assert field(set_, "cvi_services") == "mentoring, hospital-response"
    assert (field(again, "languages"), field(again, "age_groups")) == ("es", "youth")
    assert field(again, "cvi_services") == "mentoring, hospital-response"
    assert refused.exit_code != 0 and "cvi_services" in refused.output
    assert nothing.exit_code != 0
