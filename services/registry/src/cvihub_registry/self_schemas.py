"""HTTP bodies of a partner's self-service routes and of the streams catalog."""

from typing import Any, Self

from pydantic import Field, model_validator

from cvihub_contracts import Classification, Stream
from cvihub_registry.geometry import SERVICE_AREA_DESCRIPTION, ValidServiceArea
from cvihub_registry.schemas import Description, Email, _Request, _Response
from cvihub_registry.seed import ServiceNames, Website


class PartnerSelfUpdate(_Request):
    """Your own profile fields to change; omitted fields stay, null clears all but services.

    Name, kind, status, zones, beats and community areas are the hub administrator's to change.
    """

    contact_email: Email | None = None
    description: Description | None = None
    services_offered: ServiceNames | None = None
    website: Website | None = None
    service_area: ValidServiceArea | None = Field(
        default=None, description=SERVICE_AREA_DESCRIPTION
    )

    @model_validator(mode="after")
    def _services_not_null(self) -> Self:
        if "services_offered" in self.model_fields_set and self.services_offered is None:
            raise ValueError("services_offered cannot be null (send [] to clear)")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class StreamEventOut(_Response):
    """One event type and major version carried on a stream."""

    event_type: str = Field(examples=["org.cvihub.incident-alert.published"])
    version: int = Field(description="The major version.")
    schema_revision: int = Field(description="The current revision within the major.")
    dataschema: str
    highest_classification: Classification


class StreamOut(_Response):
    """A stream partners can be granted, its Kafka topic and the events on it."""

    stream: Stream
    topic: str
    events: list[StreamEventOut]
    highest_classification: Classification = Field(
        description="The most sensitive classification of any event on the stream."
    )
