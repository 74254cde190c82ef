"""A partner's service area drawn as a GeoJSON polygon: what is accepted, refused and published."""

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from registry_area_builders import AUSTIN, BOW_TIE, HUMBOLDT, multipolygon, polygon, ring
from registry_builders import make_partner

from cvihub_contracts.geo import MAX_POSITIONS, MultiPolygon, Polygon
from cvihub_contracts.invalid_examples import payload_errors
from cvihub_contracts.registry.changes_v1 import PartnerChangedV1
from cvihub_registry.bootstrap.seed import SeedError, load_seed, parse_seed
from cvihub_registry.events import change_of
from cvihub_registry.partners.geometry import covers
from cvihub_registry.partners.schemas import PartnerUpdate

DEMO_SEED = Path(__file__).parents[4] / "deploy" / "seed" / "demo.yaml"


def _errors(area: Any) -> list[tuple[str, str]]:
    """(pointer, code) of each error a PATCH body with this service area gets."""
    return [(e.pointer, e.code) for e in payload_errors(PartnerUpdate, {"service_area": area})]


def _accepted(area: Any) -> Polygon | MultiPolygon:
    body = PartnerUpdate.model_validate({"service_area": area})
    assert body.service_area is not None
    return body.service_area


def _turn(positions: Any) -> float:
    """Twice the signed area of a ring (shoelace): above 0 counterclockwise, below clockwise."""
    return float(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(positions)))


def _ring_of(count: int, *, west: float) -> list[list[float]]:
    """A valid closed ring of exactly `count` positions: a fine zigzag under one apex."""
    zigzag = [[west + i * 1e-6, 41.89 + (i % 2) * 1e-7] for i in range(count - 2)]
    return [*zigzag, [west, 41.95], zigzag[0]]


def test_a_polygon_is_accepted_and_turned_counterclockwise() -> None:
    drawn = polygon(HUMBOLDT, clockwise=True)
    assert _turn(drawn["coordinates"][0]) < 0

    area = _accepted(drawn)

    assert isinstance(area, Polygon)
    # RFC 7946: exterior rings counterclockwise. The same ring, the other way round.
    [shell] = area.coordinates
    assert _turn(shell) > 0
    assert sorted(map(list, shell[:-1])) == sorted(drawn["coordinates"][0][:-1])


def test_a_polygon_with_a_hole_keeps_the_hole_clockwise() -> None:
    hole = (-87.72, 41.90, -87.71, 41.91)

    area = _accepted(polygon(HUMBOLDT, hole))

    assert isinstance(area, Polygon)
    assert _turn(area.coordinates[0]) > 0 and _turn(area.coordinates[1]) < 0
    assert not covers(area, lon=-87.715, lat=41.905)  # in the hole
    assert covers(area, lon=-87.73, lat=41.895)


def test_a_multipolygon_is_accepted() -> None:
    area = _accepted(multipolygon(HUMBOLDT, AUSTIN))

    assert isinstance(area, MultiPolygon) and len(area.coordinates) == 2
    assert covers(area, lon=-87.77, lat=41.88)  # in Austin
    assert covers(area, lon=-87.70, lat=41.90)  # in Humboldt Park
    assert not covers(area, lon=-87.60, lat=41.88)


def test_a_point_on_the_edge_is_covered() -> None:
    area = _accepted(polygon(HUMBOLDT))

    assert covers(area, lon=-87.74, lat=41.90)
    assert covers(area, lon=-87.69, lat=41.92)  # a corner
    assert not covers(area, lon=-87.7400001, lat=41.90)


def test_an_unclosed_ring_is_refused_at_the_ring() -> None:
    open_ring = [*ring(HUMBOLDT)[:-1], [-87.74, 41.91]]

    assert _errors({"type": "Polygon", "coordinates": [open_ring]}) == [
        ("#/service_area/coordinates/0", "ring_not_closed")
    ]


def test_a_ring_of_three_positions_is_refused() -> None:
    triangle = [[-87.74, 41.89], [-87.69, 41.89], [-87.74, 41.89]]

    assert _errors({"type": "Polygon", "coordinates": [triangle]}) == [
        ("#/service_area/coordinates/0", "too_short")
    ]


def test_a_self_intersecting_bow_tie_is_refused_where_it_crosses() -> None:
    [error] = payload_errors(PartnerUpdate, {"service_area": BOW_TIE})

    assert (error.pointer, error.code) == ("#/service_area/coordinates/0", "invalid_geometry")
    assert "self-intersection" in error.message
    assert "-87.715" in error.message and "41.905" in error.message


def test_a_self_intersecting_member_of_a_multipolygon_is_named() -> None:
    area = multipolygon(AUSTIN)
    area["coordinates"].append(BOW_TIE["coordinates"])

    assert _errors(area) == [("#/service_area/coordinates/1/0", "invalid_geometry")]


def test_overlapping_polygons_and_a_hole_outside_its_shell_are_refused() -> None:
    overlapping = multipolygon(HUMBOLDT, (-87.70, 41.91, -87.66, 41.95))
    stray_hole = polygon(HUMBOLDT, AUSTIN)

    assert _errors(overlapping) == [("#/service_area", "invalid_geometry")]
    assert _errors(stray_hole) == [("#/service_area", "invalid_geometry")]


def test_coordinates_out_of_range_are_refused_each_by_pointer() -> None:
    area = polygon(HUMBOLDT)
    area["coordinates"][0][1] = [-187.69, 41.89]  # longitude first
    area["coordinates"][0][2] = [-87.69, 95.0]

    assert _errors(area) == [
        ("#/service_area/coordinates/0/1/0", "greater_than_equal"),
        ("#/service_area/coordinates/0/2/1", "less_than_equal"),
    ]


def test_positions_are_two_numbers() -> None:
    area = polygon(HUMBOLDT)
    area["coordinates"][0][1] = [-87.69, 41.89, 180.0]  # an altitude
    area["coordinates"][0][2] = ["-87.69", 41.92]

    assert _errors(area) == [
        ("#/service_area/coordinates/0/1", "too_long"),
        ("#/service_area/coordinates/0/2/0", "float_type"),
    ]


def test_too_many_positions_are_refused() -> None:
    half = MAX_POSITIONS // 2 + 1
    two_halves = [[_ring_of(half, west=-87.74)], [_ring_of(half, west=-86.74)]]

    assert _errors({"type": "MultiPolygon", "coordinates": two_halves}) == [
        ("#/service_area/coordinates", "too_many_positions")
    ]
    assert _errors(
        {"type": "Polygon", "coordinates": [_ring_of(MAX_POSITIONS + 1, west=-87.74)]}
    ) == [("#/service_area/coordinates/0", "too_long")]
    # Up to the cap, the same shapes are fine.
    assert _errors({"type": "MultiPolygon", "coordinates": [two_halves[0]]}) == []
    assert _errors({"type": "Polygon", "coordinates": [_ring_of(MAX_POSITIONS, west=-87.74)]}) == []


def test_other_geometry_types_and_extra_members_are_refused() -> None:
    assert _errors({"type": "Point", "coordinates": [-87.7, 41.9]}) == [
        ("#/service_area/type", "geometry_type")
    ]
    assert _errors("POLYGON ((0 0, 1 0, 1 1, 0 0))") == [("#/service_area", "geometry_type")]
    assert _errors({**polygon(HUMBOLDT), "bbox": list(HUMBOLDT)}) == [
        ("#/service_area/bbox", "extra_forbidden")
    ]


def test_null_clears_the_area_in_a_patch() -> None:
    body = PartnerUpdate.model_validate({"service_area": None})

    assert body.changes() == {"service_area": None}


_SEED = """
partners:
  - partner_id: org-a
    name: Org A
    kind: cvi_org
    service_area:
      type: Polygon
      coordinates: {coordinates}
"""


def test_the_seed_file_takes_a_service_area_and_refuses_a_bad_one() -> None:
    good = parse_seed(_SEED.format(coordinates=[ring(HUMBOLDT, clockwise=True)]))
    area = good.partners[0].service_area

    assert isinstance(area, Polygon) and _turn(area.coordinates[0]) > 0
    with pytest.raises(SeedError, match=r"partners\.0\.service_area\.coordinates\.0: not a valid"):
        parse_seed(_SEED.format(coordinates=BOW_TIE["coordinates"]))


def test_the_partner_change_carries_the_area_as_revision_2() -> None:
    area = _accepted(multipolygon(HUMBOLDT, AUSTIN))

    event = change_of(make_partner(service_area=area))

    assert isinstance(event, PartnerChangedV1)
    assert event.service_area == area
    assert PartnerChangedV1.dataschema().endswith("/v1.3.json")
    wire = event.model_dump(mode="json", exclude_none=True)
    assert PartnerChangedV1.model_validate(wire).service_area == area
    # A revision 1 payload (no drawn area) still reads, without one.
    older = event.model_dump(mode="json", exclude={"service_area"})
    assert PartnerChangedV1.model_validate(older).service_area is None
    assert change_of(make_partner()).model_dump(exclude_none=True).get("service_area") is None


def test_a_demo_partner_has_its_area_drawn() -> None:
    seeded = {p.partner_id: p for p in load_seed(DEMO_SEED).partners}

    area = seeded["safe-streets"].service_area

    assert isinstance(area, Polygon)
    assert covers(area, lon=-87.72, lat=41.90)  # Humboldt Park
    assert not covers(area, lon=-87.65, lat=41.77)  # Englewood: Peace Collective's
