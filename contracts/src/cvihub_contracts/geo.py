"""A service area as a GeoJSON geometry (RFC 7946): Polygon or MultiPolygon in WGS 84.

Only the structure is checked here, with pydantic: what RFC 7946 itself requires of positions
([longitude, latitude], in range) and linear rings (closed, four or more positions), plus a
size cap. Whether the shape is valid (no ring crossing itself or another, holes inside their
shell) needs a geometry engine; the registry checks that before it stores or publishes one.
"""

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

MAX_POSITIONS = 10_000
"""Positions one service area may hold, over all its rings: a city's outline needs far fewer."""
_MAX_RINGS = MAX_POSITIONS // 4  # every ring has four positions or more

Longitude = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-180, le=180)]
Latitude = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-90, le=90)]
Position = tuple[Longitude, Latitude]
"""[longitude, latitude] in decimal degrees, WGS 84 (no altitude: an area is a footprint)."""


def _closed(ring: list[Position]) -> list[Position]:
    if ring and ring[0] != ring[-1]:
        raise PydanticCustomError(
            "ring_not_closed",
            "a linear ring must end at the position it starts from (RFC 7946, 3.1.6)",
        )
    return ring


LinearRing = Annotated[
    list[Position],
    Field(min_length=4, max_length=MAX_POSITIONS, description="Closed: last = first."),
    AfterValidator(_closed),
]
PolygonRings = Annotated[
    list[LinearRing],
    Field(min_length=1, max_length=_MAX_RINGS, description="The exterior ring, then any holes."),
]


def positions_of(coordinates: Any) -> Iterator[tuple[float, float]]:
    """Every position in nested GeoJSON coordinates, in order."""
    if isinstance(coordinates, tuple):
        yield coordinates
        return
    for item in coordinates:
        yield from positions_of(item)


def _capped(coordinates: Any) -> Any:
    count = sum(1 for _ in positions_of(coordinates))
    if count > MAX_POSITIONS:
        raise PydanticCustomError(
            "too_many_positions",
            "a service area may hold at most {limit} positions, not {count}",
            {"limit": MAX_POSITIONS, "count": count},
        )
    return coordinates


class Polygon(BaseModel):
    """A GeoJSON Polygon: one exterior ring and any holes inside it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["Polygon"]
    coordinates: Annotated[PolygonRings, AfterValidator(_capped)]


class MultiPolygon(BaseModel):
    """A GeoJSON MultiPolygon: several polygons, e.g. an area split by a river."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["MultiPolygon"]
    coordinates: Annotated[
        list[PolygonRings],
        Field(min_length=1, max_length=_MAX_RINGS),
        AfterValidator(_capped),
    ]


_MEMBERS: dict[str, TypeAdapter[Polygon] | TypeAdapter[MultiPolygon]] = {
    "Polygon": TypeAdapter(Polygon),
    "MultiPolygon": TypeAdapter(MultiPolygon),
}


def _by_type(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # Validate against the one member "type" names, so an error points into it
    # (#/service_area/coordinates/0) instead of into every member of the union.
    if isinstance(value, Polygon | MultiPolygon):
        return value
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "geometry_type", "must be a GeoJSON geometry object: a Polygon or a MultiPolygon"
        )
    kind = value.get("type")
    member = _MEMBERS.get(kind) if isinstance(kind, str) else None
    if member is None:
        error = PydanticCustomError(
            "geometry_type", "type must be 'Polygon' or 'MultiPolygon' (RFC 7946)"
        )
        details: InitErrorDetails = {"type": error, "loc": ("type",), "input": value.get("type")}
        raise ValidationError.from_exception_data("ServiceArea", [details])
    return member.validate_python(value)


ServiceArea = Annotated[Polygon | MultiPolygon, WrapValidator(_by_type)]
"""Where a partner works, drawn: a GeoJSON Polygon or MultiPolygon, [longitude, latitude]."""
