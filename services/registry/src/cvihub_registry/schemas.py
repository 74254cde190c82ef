"""HTTP request and response bodies of the registry's API (event contracts live elsewhere)."""

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cvihub_contracts import Classification, GrantAction, Scope, Stream
from cvihub_contracts.geo import ServiceArea
from cvihub_contracts.registry.changes_v1 import E164_PATTERN, Channel, PartnerKind
from cvihub_registry.domain import PartnerStatus, RevocableStatus, Subscription
from cvihub_registry.geometry import SERVICE_AREA_DESCRIPTION, ValidServiceArea
from cvihub_registry.seed import (
    EMAIL_PATTERN,
    PARTNER_ID_PATTERN,
    AreaNames,
    ServiceNames,
    Website,
)
from cvihub_registry.subscription_rules import (
    ZONED_STREAMS,
    endpoint_uri,
    unknown_event_types,
)

Name = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]
Phone = Annotated[str, Field(pattern=E164_PATTERN)]
Description = Annotated[str, Field(max_length=4000)]
Zone = Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]
Zones = Annotated[list[Zone], Field(min_length=1, max_length=100)]
FieldView = Annotated[list[Classification], Field(max_length=len(Classification))]
EventTypes = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1, max_length=20)
]
Scopes = Annotated[
    list[Scope],
    Field(
        min_length=1,
        max_length=len(Scope),
        description="What the key may be used for; omit for every scope. At least one.",
    ),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PartnerCreate(_Request):
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


class PartnerUpdate(_Request):
    """Fields to change; omitted fields stay, null clears contact_email, description, website
    or service_area."""

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

    @model_validator(mode="after")
    def _required_not_null(self) -> Self:
        lists = ("zones", "beats", "community_areas", "services_offered")
        for name in ("name", "status", *lists):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class PartnerOut(_Response):
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
    sequence: int
    created_at: datetime
    updated_at: datetime


class DirectoryEntry(_Response):
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


class KeyCreate(_Request):
    """Options of a new API key."""

    expires_at: AwareDatetime | None = Field(
        default=None, description="When the key stops working (with a timezone); none = never."
    )
    scopes: Scopes | None = None


class KeyRotate(_Request):
    """Options of a key rotation."""

    scopes: Scopes | None = Field(
        default=None, description="The successor's scopes; omit to keep the old key's."
    )


class KeyIssued(BaseModel):
    """A new API key. `api_key` is shown this once: the registry keeps only its hash."""

    credential_id: str
    api_key: str
    expires_at: datetime | None
    scopes: list[Scope] = Field(description="What the key may be used for.")


class KeyOut(_Response):
    """An API key's metadata (never the key)."""

    credential_id: str
    partner_id: str
    status: RevocableStatus
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    scopes: list[Scope] = Field(
        validation_alias="effective_scopes", description="What the key may be used for."
    )


class GrantCreate(_Request):
    """Permission for a partner to publish or subscribe to a stream."""

    partner_id: str = Field(pattern=PARTNER_ID_PATTERN)
    stream: Stream
    action: GrantAction
    purpose: Annotated[str, Field(max_length=2000)] | None = None
    agreement_ref: Annotated[str, Field(max_length=200)] | None = Field(
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
        default=None, description="When the grant stops being in force; none = never."
    )

    @field_validator("expires_at")
    @classmethod
    def _after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        starts_at = info.data.get("starts_at")
        if value is not None and starts_at is not None and value <= starts_at:
            raise ValueError("expires_at must be after starts_at")
        return value


class GrantUpdate(_Request):
    """Terms to change; omitted fields stay, null clears (zones/field_view: the default)."""

    zones: Zones | None = None
    field_view: FieldView | None = None
    starts_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class GrantOut(_Response):
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


class SubscriptionCreate(_Request):
    """A delivery endpoint for one stream: a webhook, an e-mail or SMS notice, or the web
    inbox."""

    stream: Stream
    channel: Channel = Field(
        default=Channel.WEBHOOK,
        description="webhook: signed POSTs to `url`; email: a short notice without personal "
        "or case data to `email`; sms: a text-message notice (public fields only) to `phone`; "
        "inbox: kept for you to read at GET /v1/inbox on the notifications API (one per "
        "stream).",
    )
    url: AnyHttpUrl | None = Field(
        default=None,
        validate_default=True,
        description="webhook only: the http or https URL the hub POSTs events to.",
    )
    email: Email | None = Field(
        default=None, validate_default=True, description="email only: where notices go."
    )
    phone: Phone | None = Field(
        default=None,
        validate_default=True,
        description="sms only: the mobile number notices go to, E.164 (+15551234567).",
        examples=["+15551234567"],
    )
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="webhook only: Standard Webhooks secret (whsec_ + base64); generated when "
        "omitted.",
    )
    zones: Zones | None = Field(
        default=None,
        description="Only events in these zones; narrows, never widens, your grant's zones. "
        "None = no zone filter.",
    )
    event_types: EventTypes | None = Field(
        default=None, description="Only these event types of the stream; none = all of them."
    )

    @field_validator("url")
    @classmethod
    def _url_for_webhook(cls, value: AnyHttpUrl | None, info: ValidationInfo) -> Any:
        return _only_for(Channel.WEBHOOK, "url", value, info)

    @field_validator("email")
    @classmethod
    def _email_for_email(cls, value: str | None, info: ValidationInfo) -> Any:
        return _only_for(Channel.EMAIL, "email", value, info)

    @field_validator("phone")
    @classmethod
    def _phone_for_sms(cls, value: str | None, info: ValidationInfo) -> Any:
        return _only_for(Channel.SMS, "phone", value, info)

    @field_validator("secret")
    @classmethod
    def _secret_for_webhook(cls, value: str | None, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("channel", Channel.WEBHOOK) is not Channel.WEBHOOK:
            raise ValueError("only the webhook channel takes a secret")
        return value

    @field_validator("zones")
    @classmethod
    def _zoned_stream(cls, value: list[str] | None, info: ValidationInfo) -> Any:
        stream = info.data.get("stream")
        if value is not None and stream is not None and stream not in ZONED_STREAMS:
            raise ValueError(f"{stream.value} events have no zone to filter on")
        return value

    @field_validator("event_types")
    @classmethod
    def _types_of_stream(cls, value: list[str] | None, info: ValidationInfo) -> Any:
        stream = info.data.get("stream")
        if stream is not None and unknown_event_types(stream, value):
            raise ValueError(f"an event type {stream.value} does not carry")
        return value

    def endpoint(self) -> str:
        """The endpoint URI the hub stores: the URL, mailto:<email>, sms:<phone> or
        cvihub:inbox."""
        return endpoint_uri(
            channel=self.channel,
            url=str(self.url) if self.url else None,
            email=self.email,
            phone=self.phone,
        )


def _only_for(channel: Channel, name: str, value: Any, info: ValidationInfo) -> Any:
    chosen = info.data.get("channel")
    if chosen is None:  # the channel itself is invalid; that error is reported
        return value
    if chosen is channel and value is None:
        raise ValueError(f"the {channel.value} channel needs {name}")
    if chosen is not channel and value is not None:
        raise ValueError(f"only the {channel.value} channel takes {name}")
    return value


class SubscriptionCreated(BaseModel):
    """A new subscription. A webhook's `secret` is shown this once (null for other channels)."""

    subscription_id: str
    partner_id: str
    stream: Stream
    channel: Channel
    url: str = Field(description="The endpoint URI: https://…, mailto:…, sms:+… or cvihub:inbox.")
    zones: list[str] | None
    event_types: list[str] | None
    secret: str | None

    @classmethod
    def of(cls, subscription: Subscription, secret: str | None) -> Self:
        """The answer to a create request."""
        return cls(
            subscription_id=subscription.subscription_id,
            partner_id=subscription.partner_id,
            stream=subscription.stream,
            channel=subscription.channel,
            url=subscription.url,
            zones=subscription.zones,
            event_types=subscription.event_types,
            secret=secret,
        )


class SubscriptionOut(_Response):
    """A subscription (never its secret)."""

    subscription_id: str
    partner_id: str
    stream: Stream
    channel: Channel
    url: str = Field(description="The endpoint URI: https://…, mailto:…, sms:+… or cvihub:inbox.")
    zones: list[str] | None
    event_types: list[str] | None
    status: RevocableStatus
    created_at: datetime
    revoked_at: datetime | None


class AuditEntryOut(_Response):
    """One audit log entry, chained to the one before it by hash."""

    id: int
    at: datetime
    actor: str
    action: str
    entity_id: str | None
    detail: dict[str, Any]
    prev_hash: str = Field(description="entry_hash of the previous entry (64 zeros first).")
    entry_hash: str = Field(description="SHA-256 over this entry's canonical JSON and prev_hash.")


class AuditVerification(_Response):
    """The verdict on the audit log's hash chain and head."""

    ok: bool
    checked: int = Field(description="Entries found intact before the first fault.")
    first_bad_id: int | None = Field(description="The first entry found wrong, if any.")
    reason: str | None


class KeyRotated(KeyIssued):
    """A successor key (shown this once) and when the key it replaces stops working."""

    replaced_credential_id: str
    replaced_expires_at: datetime = Field(
        description="The old key works until then (the grace period, or its own earlier expiry)."
    )


class KafkaAclOut(BaseModel):
    """One ALLOW Kafka ACL binding (host `*`) the registry's grants call for."""

    principal: str = Field(examples=["User:eastside-cvi"])
    resource_type: str = Field(examples=["TOPIC", "GROUP"])
    resource_name: str = Field(examples=["cvihub.incident-alerts.v1", "eastside-cvi."])
    pattern_type: str = Field(examples=["LITERAL", "PREFIXED"])
    operation: str = Field(examples=["READ", "WRITE", "DESCRIBE"])
