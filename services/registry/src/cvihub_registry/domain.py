"""The registry's entities as plain values, and the errors its use cases raise."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cvihub_contracts import Classification, GrantAction, Scope, Stream
from cvihub_contracts.geo import MultiPolygon, Polygon
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind, PartnerRateLimit
from cvihub_contracts.scopes import sorted_scopes

SEED_ACTOR = "seed"
UNKNOWN_ACTOR = "unknown"


class PartnerStatus(StrEnum):
    """Whether a partner may act: suspension stops its keys and deliveries everywhere."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class RevocableStatus(StrEnum):
    """Keys, grants and subscriptions are in force until revoked, never re-activated."""

    ACTIVE = "active"
    REVOKED = "revoked"


DIRECTORY_FIELDS = ("cvi_services", "languages", "age_groups")
"""A partner's directory entry (org.cvihub.registry.directory.changed): what network referrals
match on, with its zones."""


@dataclass(frozen=True)
class Partner:
    """A partner organisation."""

    partner_id: str
    name: str
    kind: PartnerKind
    status: PartnerStatus
    contact_email: str | None
    description: str | None
    sequence: int
    created_at: datetime
    updated_at: datetime
    # Where the partner works (the admin's to set) and what it offers (its own to edit).
    zones: list[str] = field(default_factory=list)
    beats: list[str] = field(default_factory=list)
    community_areas: list[str] = field(default_factory=list)
    services_offered: list[str] = field(default_factory=list)
    website: str | None = None
    # The area drawn (GeoJSON, valid, oriented as RFC 7946 asks), the admin's or its own to
    # draw: it only describes, grants decide. None = not drawn.
    service_area: Polygon | MultiPolygon | None = None
    # Its directory entry, what network referrals match on: CVI service codes
    # (cvihub_contracts.codes.CviService), BCP 47 languages, age groups (AgeGroup; none = all).
    cvi_services: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    age_groups: list[str] = field(default_factory=list)
    # Its own request limit at intake (the admin's to set); None = intake's default.
    rate_limit: PartnerRateLimit | None = None


@dataclass(frozen=True)
class Credential:
    """An API key, known only by its id and hash."""

    credential_id: str
    partner_id: str
    key_sha256: str
    status: RevocableStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    sequence: int
    scopes: list[Scope] | None = None  # None = every scope

    @property
    def effective_scopes(self) -> list[Scope]:
        """What the key may be used for, in vocabulary order."""
        return list(Scope) if self.scopes is None else sorted_scopes(self.scopes)


@dataclass(frozen=True)
class Grant:
    """Permission for one partner to publish or subscribe to one stream."""

    grant_id: str
    partner_id: str
    stream: Stream
    action: GrantAction
    status: RevocableStatus
    purpose: str | None
    agreement_ref: str | None
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None
    sequence: int
    zones: list[str] | None = None
    addressed_only: bool = True
    field_view: list[Classification] | None = None
    starts_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Subscription:
    """A partner's delivery endpoint for one stream, with its filters.

    `url` is the endpoint URI (https: webhook, mailto: e-mail, sms:+E.164, cvihub:inbox); an
    address or number is personal data, never logged. A webhook's secret is stored encrypted,
    other channels have none (empty)."""

    subscription_id: str
    partner_id: str
    stream: Stream
    url: str
    secret_encrypted: str
    status: RevocableStatus
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None
    sequence: int
    channel: Channel = Channel.WEBHOOK
    zones: list[str] | None = None
    event_types: list[str] | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One row of the append-only audit log, chained to the one before it by hash."""

    id: int
    at: datetime
    actor: str
    action: str
    entity_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True)
class IssuedKey:
    """A newly issued key: the only moment the plain key exists."""

    credential: Credential
    api_key: str


@dataclass(frozen=True)
class CreatedSubscription:
    """A newly created subscription and its plain secret (webhooks only), shown once."""

    subscription: Subscription
    secret: str | None


class RegistryError(Exception):
    """A use case refused; `kind` names the problem type, `detail` says why without secrets."""

    status = 400

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class NotFound(RegistryError):
    """The entity does not exist, or the caller may not know that it does."""

    status = 404


class Forbidden(RegistryError):
    """The caller is known but lacks the grant the change needs."""

    status = 403


class Conflict(RegistryError):
    """The change would duplicate something that exists."""

    status = 409


class Invalid(RegistryError):
    """The request is well-formed but not acceptable (e.g. an expiry in the past)."""

    status = 422
