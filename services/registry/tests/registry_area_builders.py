"""Service areas for the registry's tests: small GeoJSON polygons around Chicago's West Side."""

from typing import Any

# Squares [west, south, east, north] in degrees, a few kilometres across.
HUMBOLDT = (-87.74, 41.89, -87.69, 41.92)
AUSTIN = (-87.79, 41.87, -87.75, 41.91)
ENGLEWOOD = (-87.67, 41.76, -87.63, 41.79)


def ring(box: tuple[float, float, float, float], *, clockwise: bool = False) -> list[list[float]]:
    """The closed ring around a box, counterclockwise (as RFC 7946 asks) unless told otherwise."""
    west, south, east, north = box
    corners = [[west, south], [east, south], [east, north], [west, north]]
    if clockwise:
        corners.reverse()
    return [*corners, corners[0]]


def polygon(*boxes: tuple[float, float, float, float], clockwise: bool = False) -> dict[str, Any]:
    """A GeoJSON Polygon: the first box its shell, any further boxes its holes."""
    shell, *holes = boxes
    return {
        "type": "Polygon",
        "coordinates": [
            ring(shell, clockwise=clockwise),
            *(ring(hole, clockwise=not clockwise) for hole in holes),
        ],
    }


def multipolygon(*boxes: tuple[float, float, float, float]) -> dict[str, Any]:
    """A GeoJSON MultiPolygon of one square per box."""
    return {"type": "MultiPolygon", "coordinates": [[ring(box)] for box in boxes]}


BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[-87.74, 41.89], [-87.69, 41.92], [-87.69, 41.89], [-87.74, 41.92],
                     [-87.74, 41.89]]],
}  # fmt: skip
"""Two triangles meeting at one point: the ring crosses itself at (-87.715, 41.905)."""
