"""Partners' service areas as shapes: validity, RFC 7946 orientation and point look-up.

The contracts check a service area's GeoJSON structure; this module, with GEOS (shapely), checks
that it is a valid shape before the registry stores or publishes it.
"""

import re
from dataclasses import dataclass
from typing import Annotated, Any

import shapely
from pydantic import AfterValidator, TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from cvihub_contracts.geo import MAX_POSITIONS, MultiPolygon, Polygon, ServiceArea

Geometry = Polygon | MultiPolygon
_AREA: TypeAdapter[Geometry] = TypeAdapter(ServiceArea)
_REASON = re.compile(r"^(?P<what>[^\[]+)\[(?P<lon>\S+) (?P<lat>\S+)\]$")


def shape_of(area: Geometry) -> Any:
    """The shapely geometry of a service area."""
    return shapely.geometry.shape(area.model_dump(mode="json"))


def _problem(shape: Any) -> str | None:
    """Why GEOS finds a shape invalid, in words, or None when it is valid."""
    if shapely.is_valid(shape):
        return None
    reason = str(shapely.is_valid_reason(shape))
    match = _REASON.match(reason)
    if match is None:
        return f"not a valid shape: {reason.lower()}"
    return (
        f"not a valid shape: {match['what'].strip().lower()} near longitude {match['lon']}, "
        f"latitude {match['lat']}"
    )


def _polygon_faults(rings: list[Any], at: tuple[int, ...]) -> list[InitErrorDetails]:
    """The first fault of one polygon: a ring crossing itself, else the rings together."""
    for index, ring in enumerate(rings):
        fault = _problem(shapely.Polygon(ring))
        if fault is not None:
            return [_fault((*at, index), fault)]
    fault = _problem(shapely.Polygon(rings[0], rings[1:]))
    return [] if fault is None else [_fault(at, fault)]


def _fault(at: tuple[int, ...], message: str) -> InitErrorDetails:
    error = PydanticCustomError("invalid_geometry", message)
    return {"type": error, "loc": ("coordinates", *at) if at else (), "input": None}


def valid_area(area: Geometry) -> Geometry:
    """The area if GEOS finds it valid, its rings turned as RFC 7946 asks; else a
    ValidationError pointing at the ring or polygon at fault."""
    if isinstance(area, Polygon):
        faults = _polygon_faults(area.coordinates, ())
    else:
        faults = []
        for index, rings in enumerate(area.coordinates):
            faults += _polygon_faults(rings, (index,))
        if not faults:
            # Each polygon is valid alone; together they must not overlap.
            fault = _problem(shape_of(area))
            faults = [] if fault is None else [_fault((), fault)]
    if faults:
        raise ValidationError.from_exception_data("ServiceArea", faults)
    # Exterior rings counterclockwise, holes clockwise (RFC 7946, 3.1.6): producers must.
    oriented = shapely.orient_polygons(shape_of(area), exterior_cw=False)
    return _AREA.validate_python(_lists(shapely.geometry.mapping(oriented)))


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _lists(value) for key, value in node.items()}
    if isinstance(node, tuple | list):
        return [_lists(item) for item in node]
    return node


ValidServiceArea = Annotated[ServiceArea, AfterValidator(valid_area)]
"""A service area that is also a valid shape (checked with GEOS)."""

SERVICE_AREA_DESCRIPTION = (
    "The area served, drawn: a GeoJSON (RFC 7946) Polygon or MultiPolygon, positions "
    "[longitude, latitude] in WGS 84. Rings closed with 4 or more positions, at most "
    f"{MAX_POSITIONS:,} positions in all, a valid shape (no ring crossing itself or another, "
    "holes inside their shell). Stored with exterior rings counterclockwise and holes "
    "clockwise, as RFC 7946 asks. Null = none."
)


@dataclass(frozen=True)
class LonLat:
    """A point in WGS 84 decimal degrees."""

    lon: float
    lat: float


def covers(area: Geometry, *, lon: float, lat: float) -> bool:
    """Whether the point lies in the area or on its edge."""
    return bool(shapely.intersects_xy(shape_of(area), lon, lat))
