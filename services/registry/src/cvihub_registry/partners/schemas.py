"""HTTP bodies of partners: the admin's register, a partner's own profile, the directory."""

from datetime import datetime
from typing import Any, Self

from pydantic import (
    Field,
    model_validator,
)

from cvihub_contracts.geo import ServiceArea
from cvihub_contracts.registry.changes_v1 import PartnerKind, PartnerRateLimit
from cvihub_registry.domain import DIRECTORY_FIELDS, PartnerStatus
from cvihub_registry.partners.geometry import SERVICE_AREA_DESCRIPTION, ValidServiceArea
from cvihub_registry.schemas import (
    PARTNER_ID_PATTERN,
    AgeGroups,
    AreaNames,
    CviServices,
    Description,
    Email,
    Languages,
    Name,
    RequestBody,
    ResponseBody,
    ServiceNames,
    Website,
)

RATE_LIMIT_DESCRIPTION = (
    "The partner's request limit at intake (per_minute on average, burst at once), carried to "
    "intake on partner.changed; null = intake's default (INTAKE_RATE_LIMIT)."
)


class PartnerCreate(RequestBody):
    """A partner organisation to register."""

    partner_id: str = Field(pattern=PARTNER_ID_PATTERN, examples=["mercy-hospital"])
    name: Name
    kind: PartnerKind
    contact_email: Email | None = None
    description: Description | None = None
    zones: AreaNames = Field(default_factory=list, description="Zones the partner serves.")
    beats: AreaNames = Field(default_factory=list, description="Police beats it serves.")
    community_areas: AreaNames = Field(
        default_factory=list, description="Community areas it serves."
    )
    services_offered: ServiceNames = Field(
        default_factory=list, examples=[["street outreach", "hospital-based intervention"]]
    )
    website: Website | None = None
    service_area: ValidServiceArea | None = Field(
        default=None, description=SERVICE_AREA_DESCRIPTION
    )
    cvi_services: CviServices = Field(default_factory=list, examples=[["street-outreach"]])
    languages: Languages = Field(default_factory=list, examples=[["en", "es"]])
    age_groups: AgeGroups = Field(default_factory=list, description="Empty = every age.")


class PartnerUpdate(RequestBody):
    """Fields to change; omitted fields stay, null clears contact_email, description, website,
    service_area or rate_limit."""

    name: Name | None = None
    status: PartnerStatus | None = None
    contact_email: Email | None = None
    description: Description | None = None
    zones: AreaNames | None = None
    beats: AreaNames | None = None
    community_areas: AreaNames | None = None
    services_offered: ServiceNames | None = None
    website: Website | None = None
    service_area: ValidServiceArea | None = Field(
        default=None, description=SERVICE_AREA_DESCRIPTION
    )
    cvi_services: CviServices | None = None
    languages: Languages | None = None
    age_groups: AgeGroups | None = None
    rate_limit: PartnerRateLimit | None = Field(
        default=None,
        description=RATE_LIMIT_DESCRIPTION,
        examples=[{"per_minute": 600, "burst": 50}],
    )

    @model_validator(mode="after")
    def _required_not_null(self) -> Self:
        lists = ("zones", "beats", "community_areas", "services_offered", *DIRECTORY_FIELDS)
        for name in ("name", "status", *lists):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class PartnerOut(ResponseBody):
    """A partner as the registry holds it."""

    partner_id: str
    name: str
    kind: PartnerKind
    status: PartnerStatus
    contact_email: str | None
    description: str | None
    zones: list[str]
    beats: list[str]
    community_areas: list[str]
    services_offered: list[str]
    website: str | None
    service_area: ServiceArea | None = Field(
        description="The area served, drawn (GeoJSON Polygon or MultiPolygon); null = none."
    )
    cvi_services: list[str] = Field(description="CVI service codes it provides.")
    languages: list[str] = Field(description="Languages it works in, BCP 47.")
    age_groups: list[str] = Field(description="Age groups it serves; empty = every age.")
    rate_limit: PartnerRateLimit | None = Field(description=RATE_LIMIT_DESCRIPTION)
    sequence: int
    created_at: datetime
    updated_at: datetime


class DirectoryEntry(ResponseBody):
    """An active partner, as other partners see it: who, what they offer, where, how to reach."""

    partner_id: str
    name: str
    kind: PartnerKind
    description: str | None
    contact_email: str | None
    services_offered: list[str]
    website: str | None
    zones: list[str]
    beats: list[str]
    community_areas: list[str]
    service_area: ServiceArea | None = Field(
        description="The area served, drawn (GeoJSON Polygon or MultiPolygon); null = none."
    )
    cvi_services: list[str] = Field(description="CVI service codes it provides.")
    languages: list[str] = Field(description="Languages it works in, BCP 47.")
    age_groups: list[str] = Field(description="Age groups it serves; empty = every age.")


class PartnerSelfUpdate(RequestBody):
    """Your own profile fields to change; omitted fields stay, null clears all but the lists.

    Name, kind, status, zones, beats and community areas are the hub administrator's to change.
    """

    contact_email: Email | None = None
    description: Description | None = None
    services_offered: ServiceNames | None = None
    website: Website | None = None
    service_area: ValidServiceArea | None = Field(
        default=None, description=SERVICE_AREA_DESCRIPTION
    )
    cvi_services: CviServices | None = None
    languages: Languages | None = None
    age_groups: AgeGroups | None = None

    @model_validator(mode="after")
    def _services_not_null(self) -> Self:
        for name in ("services_offered", *DIRECTORY_FIELDS):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null (send [] to clear)")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}
