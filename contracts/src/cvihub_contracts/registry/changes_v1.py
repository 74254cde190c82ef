"""org.cvihub.registry.*.changed, version 1: the registry's state, entity by entity."""

import re
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator

from cvihub_contracts import topics
from cvihub_contracts.base import EventData
from cvihub_contracts.classification import Classification, classified
from cvihub_contracts.classification import Classification as C
from cvihub_contracts.geo import ServiceArea
from cvihub_contracts.scopes import Scope
from cvihub_contracts.streams import GrantAction, Stream
from cvihub_contracts.timestamps import Timestamp, period_end


class PartnerKind(StrEnum):
    """What kind of organisation a partner is."""

    HOSPITAL = "hospital"
    POLICE = "police"
    CVI_ORG = "cvi_org"
    CITY = "city"
    FUNDER = "funder"
    OTHER = "other"


class EntityStatus(StrEnum):
    """Whether a registry entity is in force."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class _RegistryChange(EventData):
    topic: ClassVar[str] = topics.REGISTRY
    version: ClassVar[int] = 1

    sequence: int = classified(C.INTERNAL, "The registry's change counter; newer wins.", ge=1)
    changed_at: Timestamp = classified(C.INTERNAL, "When the registry changed it.")
    status: EntityStatus = classified(C.INTERNAL, "In force or not.")


class PartnerRateLimit(BaseModel):
    """How many requests a partner may make to the hub's intake: `per_minute` on average,
    `burst` at once (a token bucket)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_minute: int = classified(C.INTERNAL, "Requests a minute, on average.", ge=1, le=1_000_000)
    burst: int = classified(C.INTERNAL, "Requests at once.", ge=1, le=1_000_000)


class PartnerChangedV1(_RegistryChange):
    """A partner organisation was created or changed.

    Revision 1 adds its service area (zones, beats, community areas). All optional with
    defaults, so revision 0 events read unchanged. Revision 2 adds the area drawn as a GeoJSON
    Polygon or MultiPolygon (optional, default null), so earlier events read unchanged, and
    the `funder` kind (funders receive aggregates only: no grant on any event stream).
    Revision 3 adds the organisation's contact e-mail (optional, default null), where the hub
    sends its operational notices (an endpoint disabled, a delivery given up). Revision 4 adds
    `rate_limit`, the partner's own limit at intake (optional, default null = the service's
    default), so earlier events read unchanged."""

    event_type: ClassVar[str] = "org.cvihub.registry.partner.changed"
    schema_revision: ClassVar[int] = 4

    partner_id: str = classified(C.PUBLIC, "The partner's id.")
    name: str = classified(C.PUBLIC, "The organisation's name.")
    kind: PartnerKind = classified(C.PUBLIC, "The kind of organisation.")
    zones: list[str] = classified(
        C.PUBLIC, "Zones the partner serves (the same names grants scope on).", default_factory=list
    )
    beats: list[str] = classified(
        C.PUBLIC, "Police beats the partner serves.", default_factory=list
    )
    community_areas: list[str] = classified(
        C.PUBLIC, "Community areas the partner serves.", default_factory=list
    )
    service_area: ServiceArea | None = classified(
        C.PUBLIC,
        "The area the partner serves, drawn: a GeoJSON (RFC 7946) Polygon or MultiPolygon, "
        "positions [longitude, latitude] in WGS 84, valid (no ring crossing itself or another); "
        "null = not drawn.",
        default=None,
    )
    contact_email: str | None = classified(
        C.INTERNAL,
        "The organisation's contact address (as the partner directory shows it): operational "
        "notices go there; null = none.",
        default=None,
        max_length=254,
    )
    rate_limit: PartnerRateLimit | None = classified(
        C.INTERNAL,
        "The partner's request limit at intake; null = the service's default. Revision 4.",
        default=None,
    )

    def partition_key(self) -> str:
        return f"partner/{self.partner_id}"

    def subject(self) -> str:
        return f"partners/{self.partner_id}"


class CredentialChangedV1(_RegistryChange):
    """An API key was issued, rotated or revoked. Only its hash ever leaves the registry.

    Revision 1 adds the key's scopes. Optional, default null = every scope, which is what a
    revision 0 event means, so revision 0 events read unchanged."""

    event_type: ClassVar[str] = "org.cvihub.registry.credential.changed"
    schema_revision: ClassVar[int] = 1

    credential_id: str = classified(C.INTERNAL, "The key's id (its public prefix).")
    partner_id: str = classified(C.INTERNAL, "Whose key it is.")
    key_sha256: str = classified(C.INTERNAL, "SHA-256 of the key, hex.", pattern=r"^[0-9a-f]{64}$")
    expires_at: Timestamp | None = classified(C.INTERNAL, "When it stops working.", default=None)
    scopes: list[Scope] | None = classified(
        C.INTERNAL,
        "What the key may be used for; null = every scope. Grants still decide what the "
        "partner may do.",
        default=None,
    )

    def partition_key(self) -> str:
        return f"credential/{self.credential_id}"

    def subject(self) -> str:
        return f"credentials/{self.credential_id}"


class GrantChangedV1(_RegistryChange):
    """A grant (partner x stream x action) was made, changed or revoked.

    Revision 1 adds the data-sharing terms: scope (zones, addressed_only), the field view and
    the period in force. All optional with defaults, so revision 0 events read unchanged."""

    event_type: ClassVar[str] = "org.cvihub.registry.grant.changed"
    schema_revision: ClassVar[int] = 1

    grant_id: str = classified(C.INTERNAL, "The grant's id.")
    partner_id: str = classified(C.INTERNAL, "Who holds it.")
    stream: Stream = classified(C.INTERNAL, "Which stream.")
    action: GrantAction = classified(C.INTERNAL, "Publish or subscribe.")
    zones: list[str] | None = classified(
        C.INTERNAL,
        "Scope filter for alerts and bulletins: only events in these zones; null = every zone. "
        "An event without a zone does not match a zone-scoped grant.",
        default=None,
    )
    addressed_only: bool = classified(
        C.INTERNAL, "Referrals: only those addressed to the grantee.", default=True
    )
    field_view: list[Classification] | None = classified(
        C.INTERNAL,
        "Classifications the grantee may receive on this stream; null = the hub's default view "
        "for its kind. CJI never reaches non-police, PHI and PART2 never reach police.",
        default=None,
    )
    purpose: str | None = classified(C.INTERNAL, "Why the grant exists.", default=None)
    agreement_ref: str | None = classified(
        C.INTERNAL, "The data-sharing agreement it rests on.", default=None
    )
    starts_at: Timestamp | None = classified(
        C.INTERNAL, "When it comes into force; null = at once.", default=None
    )
    expires_at: Timestamp | None = classified(
        C.INTERNAL, "When it stops being in force; null = never.", default=None
    )

    _expiry_after_start = period_end("expires_at", "starts_at")

    def partition_key(self) -> str:
        return f"grant/{self.grant_id}"

    def subject(self) -> str:
        return f"grants/{self.grant_id}"


class Channel(StrEnum):
    """How a subscription's events reach the partner."""

    WEBHOOK = "webhook"
    EMAIL = "email"
    INBOX = "inbox"
    SMS = "sms"


E164_PATTERN = r"^\+[1-9]\d{6,14}$"
"""A phone number in E.164 form: +, country code, subscriber number, 8 to 15 digits."""
SMS_URI_PREFIX = "sms:"
SMS_URI_PATTERN = r"^sms:\+[1-9]\d{6,14}$"
"""The endpoint URI of an SMS subscription: sms:<E.164 number>."""


class SubscriptionChangedV1(_RegistryChange):
    """A partner's delivery endpoint for a stream was set, changed or removed.

    Revision 1 adds the channel (webhook, e-mail notice, web inbox) and the filters (zones,
    event types). All optional with defaults (webhook, no filter), so revision 0 events read
    unchanged. Revision 2 adds the sms channel (a text-message notice to sms:<E.164 number>):
    an added enum value, so every earlier event reads unchanged."""

    event_type: ClassVar[str] = "org.cvihub.registry.subscription.changed"
    schema_revision: ClassVar[int] = 2

    subscription_id: str = classified(C.INTERNAL, "The subscription's id.")
    partner_id: str = classified(C.INTERNAL, "Whose endpoint it is.")
    stream: Stream = classified(C.INTERNAL, "Which stream it receives.")
    url: str = classified(
        C.INTERNAL,
        "The endpoint URI: the webhook's https:// URL, mailto:<address> for e-mail, "
        "cvihub:inbox for the web inbox, sms:<E.164 number> for SMS (a staff member's "
        "number: personal data, never logged).",
    )
    secret_encrypted: str = classified(
        C.INTERNAL,
        "The Standard Webhooks signing secret, Fernet-encrypted with the hub's key; empty for "
        "channels that sign nothing.",
    )
    channel: Channel = classified(
        C.INTERNAL, "How events reach the partner.", default=Channel.WEBHOOK
    )
    zones: list[str] | None = classified(
        C.INTERNAL,
        "Only events in these zones (narrows, never widens, the grant's zones); null = no "
        "zone filter.",
        default=None,
    )
    event_types: list[str] | None = classified(
        C.INTERNAL, "Only these event types of the stream; null = all of them.", default=None
    )

    @model_validator(mode="after")
    def _sms_endpoint(self) -> Self:
        # Checked only for the new channel: earlier events of other channels read unchanged.
        if self.channel is Channel.SMS and not re.fullmatch(SMS_URI_PATTERN, self.url):
            raise ValueError("an sms endpoint URI is sms:+<E.164 number>")
        return self

    def partition_key(self) -> str:
        return f"subscription/{self.subscription_id}"

    def subject(self) -> str:
        return f"subscriptions/{self.subscription_id}"
