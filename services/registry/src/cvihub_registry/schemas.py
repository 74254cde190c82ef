"""What the registry's HTTP bodies share: base models and the field types partners fill in."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cvihub_contracts.registry.changes_v1 import E164_PATTERN

PARTNER_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

PartnerId = Annotated[str, Field(pattern=PARTNER_ID_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]
Phone = Annotated[str, Field(pattern=E164_PATTERN)]
Description = Annotated[str, Field(max_length=4000)]
Zone = Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]
Zones = Annotated[list[Zone], Field(min_length=1, max_length=100)]
AreaName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]
AreaNames = Annotated[list[AreaName], Field(max_length=100)]
"""Zones, beats or community areas a partner serves (names as the network spells them)."""
ServiceName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]
ServiceNames = Annotated[list[ServiceName], Field(max_length=50)]
Website = Annotated[str, Field(max_length=500, pattern=r"^https?://[^\s/]+\S*$")]


class RequestBody(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ResponseBody(BaseModel):
    """A response body, read from the registry's plain values."""

    model_config = ConfigDict(from_attributes=True)
