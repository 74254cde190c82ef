"""A service's local copy of the registry, kept from the registry's change events.

Intake, referrals and notifications decide from this copy, so an outage of the registry stops
no request and no delivery, and a revocation reaches them as fast as the event does.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Classification, Event, GrantAction, Scope, Stream, parse_scopes
from cvihub_contracts.registry.changes_v1 import (
    Channel,
    CredentialChangedV1,
    EntityStatus,
    GrantChangedV1,
    PartnerChangedV1,
    SubscriptionChangedV1,
)
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1
from cvihub_runtime.consent_copy import ConsentRecord, define_consents, record_of

API_KEY_PREFIX = "cvh_"


def hash_api_key(api_key: str) -> str:
    """SHA-256 of an API key. Keys are long random strings, so a fast hash is the right one."""
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who a request's API key speaks for, and what the key may be used for."""

    partner_id: str
    credential_id: str
    scopes: frozenset[Scope]

    def allows(self, *scopes: Scope) -> bool:
        """Whether the key holds at least one of `scopes`."""
        return any(scope in self.scopes for scope in scopes)


def principal_scopes(stored: list[str] | None) -> frozenset[Scope]:
    """The scopes of a stored credential: None (a key from before scopes) = every scope.

    Names this copy does not know (a newer registry) are ignored: default deny."""
    if stored is None:
        return parse_scopes(None)
    known = {scope.value for scope in Scope}
    return frozenset(Scope(name) for name in stored if name in known)


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


@dataclass(frozen=True)
class GrantTerms:
    """The terms of a partner's grant in force: scope and field view (None = no restriction)."""

    zones: frozenset[str] | None
    field_view: frozenset[Classification] | None
    addressed_only: bool = True


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored here is UTC.
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def in_force(starts_at: datetime | None, expires_at: datetime | None, now: datetime) -> bool:
    """Whether a grant's period [starts_at, expires_at) contains `now`."""
    start, end = _utc(starts_at), _utc(expires_at)
    return (start is None or start <= now) and (end is None or now < end)


class RegistryReplica:
    """Tables of the copy, in the service's own metadata, and the questions asked of it."""

    def __init__(self, metadata: MetaData) -> None:
        self.partners = Table(
            "replica_partners",
            metadata,
            Column("partner_id", String(64), primary_key=True),
            Column("name", String(200), nullable=False),
            Column("kind", String(32), nullable=False),
            Column("status", String(16), nullable=False),
            Column("sequence", Integer, nullable=False),
        )
        self.credentials = Table(
            "replica_credentials",
            metadata,
            Column("credential_id", String(64), primary_key=True),
            Column("partner_id", String(64), nullable=False, index=True),
            Column("key_sha256", String(64), nullable=False, unique=True),
            Column("status", String(16), nullable=False),
            Column("expires_at", DateTime(timezone=True), nullable=True),
            Column("sequence", Integer, nullable=False),
            # Null = every scope (keys from before scopes existed).
            Column("scopes", JSON, nullable=True),
        )
        self.grants = Table(
            "replica_grants",
            metadata,
            Column("grant_id", String(64), primary_key=True),
            Column("partner_id", String(64), nullable=False, index=True),
            Column("stream", String(64), nullable=False),
            Column("action", String(16), nullable=False),
            Column("status", String(16), nullable=False),
            Column("sequence", Integer, nullable=False),
            Column("zones", JSON, nullable=True),
            Column("addressed_only", Boolean, nullable=False, server_default=true()),
            Column("field_view", JSON, nullable=True),
            Column("starts_at", DateTime(timezone=True), nullable=True),
            Column("expires_at", DateTime(timezone=True), nullable=True),
        )
        self.subscriptions = Table(
            "replica_subscriptions",
            metadata,
            Column("subscription_id", String(64), primary_key=True),
            Column("partner_id", String(64), nullable=False, index=True),
            Column("stream", String(64), nullable=False),
            Column("url", Text, nullable=False),
            Column("secret_encrypted", Text, nullable=False),
            Column("status", String(16), nullable=False),
            Column("sequence", Integer, nullable=False),
            Column("channel", String(16), nullable=False, server_default=Channel.WEBHOOK.value),
            Column("zones", JSON, nullable=True),
            Column("event_types", JSON, nullable=True),
        )
        self.consents = define_consents(metadata)

    async def apply(self, session: AsyncSession, event: Event[Any]) -> None:
        """Apply one registry change if it is newer than what the copy holds."""
        data = event.data
        if isinstance(data, PartnerChangedV1):
            await self._upsert(
                session,
                self.partners,
                "partner_id",
                data.partner_id,
                data.sequence,
                name=data.name,
                kind=data.kind.value,
                status=data.status.value,
            )
        elif isinstance(data, CredentialChangedV1):
            await self._upsert(
                session,
                self.credentials,
                "credential_id",
                data.credential_id,
                data.sequence,
                partner_id=data.partner_id,
                key_sha256=data.key_sha256,
                status=data.status.value,
                expires_at=data.expires_at,
                scopes=[scope.value for scope in data.scopes] if data.scopes is not None else None,
            )
        elif isinstance(data, GrantChangedV1):
            await self._upsert(
                session,
                self.grants,
                "grant_id",
                data.grant_id,
                data.sequence,
                partner_id=data.partner_id,
                stream=data.stream.value,
                action=data.action.value,
                status=data.status.value,
                zones=data.zones,
                addressed_only=data.addressed_only,
                field_view=[c.value for c in data.field_view] if data.field_view else None,
                starts_at=_utc(data.starts_at),
                expires_at=_utc(data.expires_at),
            )
        elif isinstance(data, SubscriptionChangedV1):
            await self._upsert(
                session,
                self.subscriptions,
                "subscription_id",
                data.subscription_id,
                data.sequence,
                partner_id=data.partner_id,
                stream=data.stream.value,
                url=data.url,
                secret_encrypted=data.secret_encrypted,
                status=data.status.value,
                channel=data.channel.value,
                zones=data.zones,
                event_types=data.event_types,
            )
        elif isinstance(data, ConsentChangedV1):
            await self._upsert(
                session,
                self.consents,
                "consent_id",
                data.consent_id,
                data.sequence,
                custodian_partner_id=data.custodian_partner_id,
                recipient_partner_ids=data.recipient_partner_ids,
                scope=[word.value for word in data.scope],
                status=data.status.value,
                given_at=_utc(data.given_at),
                expires_at=_utc(data.expires_at),
                withdrawn_at=_utc(data.withdrawn_at),
            )

    @staticmethod
    async def _upsert(
        session: AsyncSession,
        table: Table,
        id_column: str,
        entity_id: str,
        sequence: int,
        **values: Any,
    ) -> None:
        key = table.c[id_column]
        current = await session.scalar(select(table.c.sequence).where(key == entity_id))
        if current is None:
            await session.execute(
                table.insert().values({id_column: entity_id, "sequence": sequence, **values})
            )
        elif sequence > current:
            await session.execute(
                table.update().where(key == entity_id).values(sequence=sequence, **values)
            )

    async def high_water(self, session: AsyncSession) -> int:
        """The newest registry change this copy holds (0 when empty): how far it has caught up."""
        newest = 0
        tables = (self.partners, self.credentials, self.grants, self.subscriptions, self.consents)
        for table in tables:
            value = await session.scalar(select(func.max(table.c.sequence)))
            newest = max(newest, int(value or 0))
        return newest

    async def authenticate(self, session: AsyncSession, api_key: str) -> Principal | None:
        """The principal of this active, unexpired key of an active partner; else None."""
        if not api_key.startswith(API_KEY_PREFIX):
            return None
        digest = hash_api_key(api_key)
        row = (
            await session.execute(
                select(
                    self.credentials.c.credential_id,
                    self.credentials.c.key_sha256,
                    self.credentials.c.expires_at,
                    self.credentials.c.scopes,
                    self.partners.c.partner_id,
                )
                .join(self.partners, self.partners.c.partner_id == self.credentials.c.partner_id)
                .where(
                    self.credentials.c.key_sha256 == digest,
                    self.credentials.c.status == EntityStatus.ACTIVE.value,
                    self.partners.c.status == EntityStatus.ACTIVE.value,
                )
            )
        ).first()
        if row is None or not hmac.compare_digest(row.key_sha256, digest):
            return None
        expires_at = row.expires_at
        if expires_at is not None:
            if expires_at.tzinfo is None:
                expires_at = expires_at.replace(tzinfo=UTC)
            if expires_at <= datetime.now(UTC):
                return None
        return Principal(
            partner_id=str(row.partner_id),
            credential_id=str(row.credential_id),
            scopes=principal_scopes(row.scopes),
        )

    async def consent(self, session: AsyncSession, consent_id: str) -> ConsentRecord | None:
        """The consent record with this id as the copy holds it, or None when unknown."""
        row = (
            await session.execute(
                select(self.consents).where(self.consents.c.consent_id == consent_id)
            )
        ).first()
        return record_of(row) if row is not None else None

    async def active_partner_kind(self, session: AsyncSession, partner_id: str) -> str | None:
        """The kind of an active partner, or None when it is unknown or suspended."""
        kind = await session.scalar(
            select(self.partners.c.kind).where(
                self.partners.c.partner_id == partner_id,
                self.partners.c.status == EntityStatus.ACTIVE.value,
            )
        )
        return str(kind) if kind is not None else None

    async def is_granted(
        self, session: AsyncSession, partner_id: str, stream: Stream, action: GrantAction
    ) -> bool:
        """Whether the partner holds an active grant in force now; default deny."""
        return await self._grant_in_force(session, partner_id, stream, action) is not None

    async def grant_terms(
        self, session: AsyncSession, partner_id: str, stream: Stream
    ) -> GrantTerms | None:
        """The terms of the partner's subscribe grant in force on a stream; None = no grant."""
        row = await self._grant_in_force(session, partner_id, stream, GrantAction.SUBSCRIBE)
        if row is None:
            return None
        return GrantTerms(
            zones=frozenset(row.zones) if row.zones is not None else None,
            field_view=(
                frozenset(Classification(c) for c in row.field_view)
                if row.field_view is not None
                else None
            ),
            addressed_only=bool(row.addressed_only),
        )

    async def _grant_in_force(
        self, session: AsyncSession, partner_id: str, stream: Stream, action: GrantAction
    ) -> Any | None:
        rows = await session.execute(
            select(self.grants)
            .join(self.partners, self.partners.c.partner_id == self.grants.c.partner_id)
            .where(
                self.grants.c.partner_id == partner_id,
                self.grants.c.stream == stream.value,
                self.grants.c.action == action.value,
                self.grants.c.status == EntityStatus.ACTIVE.value,
                self.partners.c.status == EntityStatus.ACTIVE.value,
            )
            .order_by(self.grants.c.grant_id)
        )
        now = datetime.now(UTC)
        # The period is checked here, not in SQL: SQLite compares datetimes as text.
        return next((r for r in rows if in_force(r.starts_at, r.expires_at, now)), None)

    async def subscribers(
        self, session: AsyncSession, stream: Stream, partner_ids: set[str] | None = None
    ) -> list[Subscriber]:
        """Active endpoints for a stream whose partner holds a subscribe grant in force now."""
        now = datetime.now(UTC)
        grant_rows = await session.execute(
            select(
                self.grants.c.partner_id, self.grants.c.starts_at, self.grants.c.expires_at
            ).where(
                self.grants.c.stream == stream.value,
                self.grants.c.action == GrantAction.SUBSCRIBE.value,
                self.grants.c.status == EntityStatus.ACTIVE.value,
            )
        )
        granted = {
            row.partner_id for row in grant_rows if in_force(row.starts_at, row.expires_at, now)
        }
        query = (
            select(self.subscriptions)
            .join(self.partners, self.partners.c.partner_id == self.subscriptions.c.partner_id)
            .where(
                and_(
                    self.subscriptions.c.stream == stream.value,
                    self.subscriptions.c.status == EntityStatus.ACTIVE.value,
                    self.partners.c.status == EntityStatus.ACTIVE.value,
                    self.subscriptions.c.partner_id.in_(granted),
                )
            )
            .order_by(self.subscriptions.c.subscription_id)
        )
        if partner_ids is not None:
            query = query.where(self.subscriptions.c.partner_id.in_(partner_ids))
        rows = (await session.execute(query)).all()
        return [
            Subscriber(
                subscription_id=row.subscription_id,
                partner_id=row.partner_id,
                url=row.url,
                secret_encrypted=row.secret_encrypted,
                channel=Channel(row.channel),
                zones=frozenset(row.zones) if row.zones is not None else None,
                event_types=frozenset(row.event_types) if row.event_types is not None else None,
            )
            for row in rows
        ]


REGISTRY_EVENT_TYPES = (
    PartnerChangedV1,
    CredentialChangedV1,
    GrantChangedV1,
    SubscriptionChangedV1,
    ConsentChangedV1,
)
