"""org.cvihub.incident-alert.published, version 1."""

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, model_validator

from cvihub_contracts import topics
from cvihub_contracts.base import EventData
from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
from cvihub_contracts.rules import CrossFieldRule, at_least_one, together
from cvihub_contracts.timestamps import ClockChecked, OccurredAt, Timestamp

EVENT_TYPE = "org.cvihub.incident-alert.published"


class IncidentType(StrEnum):
    """What happened."""

    SHOOTING = "shooting"
    SHOTS_FIRED = "shots_fired"
    STABBING = "stabbing"
    HOMICIDE = "homicide"
    ASSAULT = "assault"
    OTHER = "other"


class Severity(StrEnum):
    """The worst injury known."""

    NONE = "none"
    MINOR = "minor"
    SERIOUS = "serious"
    CRITICAL = "critical"
    FATAL = "fatal"
    UNKNOWN = "unknown"


class AlertStatus(StrEnum):
    """Whether the alert stands, revises an earlier one, or withdraws it."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class Location(BaseModel):
    """Where it happened: coordinates, a block-level address, or an area; at least one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latitude: float | None = classified(C.INTERNAL, "WGS 84 latitude.", default=None, ge=-90, le=90)
    longitude: float | None = classified(
        C.INTERNAL, "WGS 84 longitude.", default=None, ge=-180, le=180
    )
    block_address: str | None = classified(
        C.INTERNAL, "Block-level address, e.g. 1200 block of W Main St.", default=None
    )
    zone: str | None = classified(C.PUBLIC, "Outreach zone.", default=None, max_length=64)
    beat: str | None = classified(C.PUBLIC, "Police beat.", default=None, max_length=64)
    community_area: str | None = classified(C.PUBLIC, "Community area.", default=None)

    cross_field_rules: ClassVar[tuple[CrossFieldRule, ...]] = (
        together("latitude", "longitude"),
        at_least_one(
            "latitude",
            "block_address",
            "zone",
            "beat",
            "community_area",
            text="At least one of coordinates, block_address, zone, beat or community_area.",
        ),
    )

    @model_validator(mode="after")
    def _somewhere(self) -> "Location":
        has_point = self.latitude is not None and self.longitude is not None
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together")
        if not (has_point or self.block_address or self.zone or self.beat or self.community_area):
            raise ValueError(
                "give coordinates, a block address, a zone, a beat or a community area"
            )
        return self


class IncidentAlertSubmission(ClockChecked):
    """What a publishing partner sends to the hub's intake."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_incident_id: str = classified(
        C.CJI, "The incident id in the source system, e.g. a CAD number.", min_length=1
    )
    revision: int = classified(
        C.INTERNAL, "1 for the first alert, then one more each update.", ge=1
    )
    status: AlertStatus = classified(C.PUBLIC, "Active or cancelled.", default=AlertStatus.ACTIVE)
    occurred_at: OccurredAt = classified(C.PUBLIC, "When it happened.")
    location: Location
    incident_type: IncidentType = classified(C.PUBLIC, "What happened.")
    victim_count: int = classified(C.PUBLIC, "Number of victims known.", ge=0, default=0)
    severity: Severity = classified(C.PUBLIC, "Worst injury known.", default=Severity.UNKNOWN)
    weapon_type: str | None = classified(C.CJI, "Weapon, if known.", default=None)
    reviewed: bool = classified(
        C.PUBLIC, "Whether a person has confirmed it (a raw sensor feed has not).", default=False
    )


class IncidentAlertV1(EventData, IncidentAlertSubmission):
    """A partner published, updated or cancelled an incident alert."""

    event_type: ClassVar[str] = EVENT_TYPE
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.INCIDENT_ALERTS
    subject_fields: ClassVar[tuple[str, ...]] = ("source_incident_id",)  # CJI
    submission: ClassVar[type[BaseModel] | None] = IncidentAlertSubmission

    alert_id: UUID = classified(C.INTERNAL, "The hub's id of this alert revision.")
    publisher_partner_id: str = classified(C.INTERNAL, "The partner that published it.")
    received_at: Timestamp = classified(C.INTERNAL, "When the hub accepted it.")

    def partition_key(self) -> str:
        return f"{self.publisher_partner_id}/{self.source_incident_id}"

    def subject(self) -> str:
        return f"incidents/{self.publisher_partner_id}/{self.source_incident_id}"
