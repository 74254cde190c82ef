"""org.cvihub.incident-alert.published, version 2.

What changed from version 1 (a breaking change, so a new major beside the old one):
- `reviewed: bool` became `verification`, which tells a sensor's unreviewed detection from a
  dispatcher's confirmation and from a confirmation on scene;
- `victim_count` became `victims`, one entry per victim with that victim's injury severity.
`upcast_from_v1` turns a version-1 payload into this one.
"""

from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from cvihub_contracts import topics
from cvihub_contracts.alert.incident_alert_v1 import (
    EVENT_TYPE as EVENT_TYPE,
)
from cvihub_contracts.alert.incident_alert_v1 import (
    AlertStatus,
    IncidentType,
    Location,
    Severity,
)
from cvihub_contracts.base import EventData
from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
from cvihub_contracts.timestamps import ClockChecked, OccurredAt, Timestamp


class Verification(StrEnum):
    """How far a person has confirmed the incident."""

    UNVERIFIED = "unverified"
    VERIFIED_BY_DISPATCH = "verified_by_dispatch"
    VERIFIED_ON_SCENE = "verified_on_scene"


class AgeGroup(StrEnum):
    """A victim's age band; never an exact age."""

    CHILD = "child"
    TEEN = "teen"
    YOUNG_ADULT = "young_adult"
    ADULT = "adult"
    OLDER_ADULT = "older_adult"
    UNKNOWN = "unknown"


class Victim(BaseModel):
    """One person hurt in the incident, without identity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity = classified(C.PUBLIC, "This victim's injury.", default=Severity.UNKNOWN)
    age_group: AgeGroup = classified(C.INTERNAL, "Age band.", default=AgeGroup.UNKNOWN)


class IncidentAlertSubmissionV2(ClockChecked):
    """What a publishing partner sends to POST /v2/incident-alerts."""

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
    victims: list[Victim] = Field(
        default_factory=list, description="One entry per victim known; each part classified."
    )
    severity: Severity = classified(C.PUBLIC, "Worst injury known.", default=Severity.UNKNOWN)
    weapon_type: str | None = classified(C.CJI, "Weapon, if known.", default=None)
    verification: Verification = classified(C.PUBLIC, "How far a person has confirmed it.")


class IncidentAlertV2(EventData, IncidentAlertSubmissionV2):
    """A partner published, updated or cancelled an incident alert (version 2)."""

    event_type: ClassVar[str] = EVENT_TYPE
    version: ClassVar[int] = 2
    topic: ClassVar[str] = topics.INCIDENT_ALERTS
    subject_fields: ClassVar[tuple[str, ...]] = ("source_incident_id",)  # CJI
    submission: ClassVar[type[BaseModel] | None] = IncidentAlertSubmissionV2

    alert_id: UUID = classified(C.INTERNAL, "The hub's id of this alert revision.")
    publisher_partner_id: str = classified(C.INTERNAL, "The partner that published it.")
    received_at: Timestamp = classified(C.INTERNAL, "When the hub accepted it.")

    def partition_key(self) -> str:
        return f"{self.publisher_partner_id}/{self.source_incident_id}"

    def subject(self) -> str:
        return f"incidents/{self.publisher_partner_id}/{self.source_incident_id}"


def upcast_from_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """A version-1 payload as version 2; pure, and loses nothing version 1 said."""
    upcast = {k: v for k, v in payload.items() if k not in {"reviewed", "victim_count"}}
    upcast["verification"] = (
        Verification.VERIFIED_BY_DISPATCH.value
        if payload.get("reviewed")
        else Verification.UNVERIFIED.value
    )
    count = int(payload.get("victim_count", 0))
    # With one victim the overall severity is that victim's; with more it is only the worst.
    each = payload.get("severity", Severity.UNKNOWN.value) if count == 1 else Severity.UNKNOWN.value
    upcast["victims"] = [{"severity": each} for _ in range(count)]
    return upcast
