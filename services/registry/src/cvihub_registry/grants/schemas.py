"""HTTP bodies of grants and of the streams catalog."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    Field,
)

from cvihub_contracts import Classification, GrantAction, Stream
from cvihub_contracts.timestamps import period_end
from cvihub_registry.domain import RevocableStatus
from cvihub_registry.schemas import (
    MULTI_LINE,
    PARTNER_ID_PATTERN,
    SINGLE_LINE,
    RequestBody,
    ResponseBody,
    Zones,
)

FieldView = Annotated[list[Classification], Field(max_length=len(Classification))]


class GrantCreate(RequestBody):
    """Permission for a partner to publish or subscribe to a stream."""

    partner_id: str = Field(pattern=PARTNER_ID_PATTERN)
    stream: Stream
    action: GrantAction
    purpose: Annotated[str, Field(max_length=2000), MULTI_LINE] | None = None
    agreement_ref: Annotated[str, Field(max_length=200), SINGLE_LINE] | None = Field(
        default=None, description="The data-sharing agreement this grant rests on."
    )
    zones: Zones | None = Field(
        default=None,
        description="Alerts and bulletins only from these zones; none = every zone. "
        "An event without a zone never matches a zone-scoped grant.",
    )
    addressed_only: bool = Field(
        default=True, description="Referrals: only those addressed to the grantee."
    )
    field_view: FieldView | None = Field(
        default=None,
        description="Classifications the grantee may receive; none = the default for its kind. "
        "CJI never reaches non-police partners, PHI and PART2 never reach police.",
    )
    starts_at: AwareDatetime | None = Field(
        default=None, description="When the grant comes into force; none = at once."
    )
    expires_at: AwareDatetime | None = Field(
        default=None,
        description="When the grant stops being in force; none = never.",
    )

    _expiry_after_start = period_end("expires_at", "starts_at")


class GrantUpdate(RequestBody):
    """Terms to change; omitted fields stay, null clears (zones/field_view: the default)."""

    zones: Zones | None = None
    field_view: FieldView | None = None
    starts_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class GrantOut(ResponseBody):
    """A grant and its terms."""

    grant_id: str
    partner_id: str
    stream: Stream
    action: GrantAction
    status: RevocableStatus
    purpose: str | None
    agreement_ref: str | None
    zones: list[str] | None = None
    addressed_only: bool = True
    field_view: list[Classification] | None = None
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    sequence: int
    created_at: datetime
    revoked_at: datetime | None


class StreamEventOut(ResponseBody):
    """One event type and major version carried on a stream."""

    event_type: str = Field(examples=["org.cvihub.incident-alert.published"])
    version: int = Field(description="The major version.")
    schema_revision: int = Field(description="The current revision within the major.")
    dataschema: str
    highest_classification: Classification


class StreamOut(ResponseBody):
    """A stream partners can be granted, its Kafka topic and the events on it."""

    stream: Stream
    topic: str
    events: list[StreamEventOut]
    highest_classification: Classification = Field(
        description="The most sensitive classification of any event on the stream."
    )
