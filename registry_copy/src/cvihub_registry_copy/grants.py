"""Grants as the copy holds them: when one is in force, its terms, and where its events go."""

from dataclasses import dataclass
from datetime import datetime

from cvihub_contracts import Classification
from cvihub_contracts.registry.changes_v1 import Channel


def in_force(starts_at: datetime | None, expires_at: datetime | None, now: datetime) -> bool:
    """Whether a grant's period [starts_at, expires_at) contains `now` (all timezone-aware)."""
    return (starts_at is None or starts_at <= now) and (expires_at is None or now < expires_at)


@dataclass(frozen=True)
class GrantTerms:
    """The terms of a partner's grant in force: scope and field view (None = no restriction)."""

    zones: frozenset[str] | None
    field_view: frozenset[Classification] | None
    addressed_only: bool = True


@dataclass(frozen=True)
class Subscriber:
    """Where and how to deliver a stream's events for one partner, and its filters.

    `url` is the endpoint URI for the channel (https:, mailto:, cvihub:inbox); zones and
    event_types None = no filter."""

    subscription_id: str
    partner_id: str
    url: str
    secret_encrypted: str
    channel: Channel = Channel.WEBHOOK
    zones: frozenset[str] | None = None
    event_types: frozenset[str] | None = None
