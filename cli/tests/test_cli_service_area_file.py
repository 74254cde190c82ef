"""Reading a service area from a .geojson file, and its one-line summary (no registry)."""

import json
from pathlib import Path
from typing import Any

import pytest

from cvihub_cli.service_area_file import AreaFileError, area_summary, read_service_area

SQUARE = [[-87.74, 41.89], [-87.69, 41.89], [-87.69, 41.92], [-87.74, 41.92], [-87.74, 41.89]]
POLYGON = {"type": "Polygon", "coordinates": [SQUARE]}


def _file(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "document",
    [
        POLYGON,
        {**POLYGON, "bbox": [-87.74, 41.89, -87.69, 41.92]},
        {"type": "Feature", "properties": {"name": "HP"}, "geometry": POLYGON},
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": POLYGON}]},
    ],
    ids=["geometry", "geometry with bbox", "feature", "collection of one"],
)
def test_the_geometry_is_taken_from_each_form(tmp_path: Path, document: Any) -> None:
    assert read_service_area(_file(tmp_path, document)) == POLYGON


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"type": "FeatureCollection", "features": []}, "FeatureCollection of 0 features"),
        ({"type": "FeatureCollection", "features": [{}, {}]}, "FeatureCollection of 2 features"),
        ({"type": "Feature", "geometry": None}, "has no geometry"),
        ([POLYGON], "holds no GeoJSON object"),
    ],
)
def test_what_is_not_one_geometry_is_refused(tmp_path: Path, document: Any, reason: str) -> None:
    with pytest.raises(AreaFileError, match=reason):
        read_service_area(_file(tmp_path, document))


def test_an_unreadable_or_non_json_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AreaFileError, match="cannot read"):
        read_service_area(tmp_path / "missing.geojson")
    (tmp_path / "bad.geojson").write_text("POLYGON ((0 0, 1 0, 1 1, 0 0))", encoding="utf-8")
    with pytest.raises(AreaFileError, match="is not JSON"):
        read_service_area(tmp_path / "bad.geojson")


def test_the_summary_gives_type_counts_and_bounding_box() -> None:
    hole = [[-87.72, 41.90], [-87.72, 41.91], [-87.71, 41.91], [-87.72, 41.90]]
    far = [[lon - 0.05, lat - 0.02] for lon, lat in SQUARE]

    assert area_summary(POLYGON) == (
        "Polygon: 1 ring, 5 positions, bbox -87.74,41.89 to -87.69,41.92 (lon,lat)"
    )
    assert area_summary({"type": "MultiPolygon", "coordinates": [[SQUARE, hole], [far]]}) == (
        "MultiPolygon: 2 polygons, 3 rings, 14 positions, "
        "bbox -87.79,41.87 to -87.69,41.92 (lon,lat)"
    )
    assert area_summary(None) == "none"
