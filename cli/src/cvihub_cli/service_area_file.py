"""A partner's service area from a .geojson file, and the short summary `partners show` prints."""

import json
from pathlib import Path
from typing import Any


class AreaFileError(ValueError):
    """The file holds no single geometry to send; the message says why."""


def read_service_area(path: Path) -> dict[str, Any]:
    """The geometry in a GeoJSON file: a bare geometry, a Feature, or a FeatureCollection of
    one Feature. The registry checks the geometry itself (type, rings, validity)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AreaFileError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from exc
    except ValueError as exc:
        raise AreaFileError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise AreaFileError(f"{path} holds no GeoJSON object")
    if document.get("type") == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else 0
            raise AreaFileError(
                f"{path} is a FeatureCollection of {count} features; a service area is one "
                "geometry (merge them into one MultiPolygon)"
            )
        document = features[0]
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = document.get("geometry")
        if not isinstance(document, dict):
            raise AreaFileError(f"the feature in {path} has no geometry")
    if not isinstance(document, dict):
        raise AreaFileError(f"{path} holds no GeoJSON geometry")
    # Only what a geometry is: a bbox or foreign members would be refused as unknown fields.
    return {key: document[key] for key in ("type", "coordinates") if key in document}


def area_summary(area: dict[str, Any] | None) -> str:
    """E.g. `Polygon: 1 ring, 5 positions, bbox -87.74,41.89 to -87.69,41.92 (lon,lat)`."""
    if not area:
        return "none"
    coordinates = area.get("coordinates") or []
    polygons = [coordinates] if area.get("type") == "Polygon" else coordinates
    rings = [ring for polygon in polygons for ring in polygon]
    positions = [position for ring in rings for position in ring]
    parts = [] if area.get("type") == "Polygon" else [_count(len(polygons), "polygon")]
    parts += [_count(len(rings), "ring"), _count(len(positions), "position")]
    if positions:
        lons, lats = [p[0] for p in positions], [p[1] for p in positions]
        west, south, east, north = (
            _degrees(v) for v in (min(lons), min(lats), max(lons), max(lats))
        )
        parts.append(f"bbox {west},{south} to {east},{north} (lon,lat)")
    return f"{area.get('type')}: {', '.join(parts)}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _degrees(value: float) -> str:
    # Six decimals are about 10 cm: plenty for a summary, and no float noise (87.78999999999999).
    return f"{value:.6f}".rstrip("0").rstrip(".")
