"""Options the admin command groups share, and where the registry is."""

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cvihub_contracts import Scope


def choices(values: type[Enum] | tuple[str, ...]) -> str:
    """The allowed values, for a help text."""
    return ", ".join(str(v) for v in values)


@dataclass
class Target:
    """Where the registry is and the admin token, as given; resolved at the first call."""

    registry_url: str | None
    token: str | None
    data_dir: Path


RegistryUrl = Annotated[
    str | None,
    typer.Option(envvar="CVIHUB_REGISTRY_URL", help="e.g. http://127.0.0.1:8001"),
]
Token = Annotated[
    str | None,
    typer.Option(envvar="CVIHUB_ADMIN_TOKEN", help="The registry's admin token."),
]
DataDir = Annotated[
    Path, typer.Option(help="A running ./hub up's data dir, used when the two are not given.")
]
ExpiresAt = Annotated[
    str | None, typer.Option(help="ISO 8601 with a timezone, e.g. 2030-01-01T00:00:00Z.")
]
KeyScopes = Annotated[
    list[str] | None,
    typer.Option("--scope", help=f"Repeat per scope; none = every scope. {choices(Scope)}."),
]
PartnerFilter = Annotated[str | None, typer.Option()]
AreaFile = Annotated[
    Path | None,
    typer.Option(
        help="A .geojson file: a Polygon or MultiPolygon, [longitude, latitude] in WGS 84, "
        "bare or as a Feature or a FeatureCollection of one Feature."
    ),
]
