"""A service's local copy of the registry, kept from the registry's change events, and the
questions the service asks of it.

Intake, referrals and notifications decide from this copy, so an outage of the registry stops
no request and no delivery, and a revocation reaches them as fast as the event does.
"""

import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, Row, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Classification, Event, GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import Channel, EntityStatus, PartnerRateLimit
from cvihub_registry_copy.changes import apply_change
from cvihub_registry_copy.consents import ConsentRecord, record_of
from cvihub_registry_copy.grants import GrantTerms, Subscriber, in_force
from cvihub_registry_copy.principals import (
    API_KEY_PREFIX,
    Principal,
    hash_api_key,
    principal_scopes,
)
from cvihub_registry_copy.tables import define_copy_tables
from cvihub_runtime.sealed import open_values

ACTIVE = EntityStatus.ACTIVE.value


@dataclass(frozen=True)
class DirectoryEntry:
    """What one active partner serves, as the registry's directory says (empty = not stated)."""

    partner_id: str
    zones: frozenset[str]
    services: frozenset[str]
    languages: frozenset[str]
    age_groups: frozenset[str]


def _terms(row: Row[Any]) -> GrantTerms:
    return GrantTerms(
        zones=frozenset(row.zones) if row.zones is not None else None,
        field_view=(
            frozenset(Classification(c) for c in row.field_view)
            if row.field_view is not None
            else None
        ),
        addressed_only=bool(row.addressed_only),
    )


class RegistryCopy:
    """The copy's tables, in the service's own metadata, and the questions asked of them."""

    def __init__(self, metadata: MetaData) -> None:
        self.tables = define_copy_tables(metadata)
        self.partners = self.tables.partners
        self.credentials = self.tables.credentials
        self.grants = self.tables.grants
        self.subscriptions = self.tables.subscriptions
        self.consents = self.tables.consents

    async def apply(self, session: AsyncSession, event: Event[Any]) -> None:
        """Apply one registry change if it is newer than what the copy holds."""
        await apply_change(session, self.tables, event)

    async def high_water(self, session: AsyncSession) -> int:
        """The newest registry change this copy holds (0 when empty): how far it has caught up."""
        newest = 0
        for table in self.tables.all():
            value = await session.scalar(select(func.max(table.c.sequence)))
            newest = max(newest, int(value or 0))
        return newest

    async def authenticate(self, session: AsyncSession, api_key: str) -> Principal | None:
        """The principal of this active, unexpired key of an active partner; else None."""
        if not api_key.startswith(API_KEY_PREFIX):
            return None
        digest = hash_api_key(api_key)
        credentials, partners = self.credentials, self.partners
        row = (
            await session.execute(
                select(
                    credentials.c.credential_id,
                    credentials.c.key_sha256,
                    credentials.c.expires_at,
                    credentials.c.scopes,
                    partners.c.partner_id,
                )
                .join(partners, partners.c.partner_id == credentials.c.partner_id)
                .where(
                    credentials.c.key_sha256 == digest,
                    credentials.c.status == ACTIVE,
                    partners.c.status == ACTIVE,
                )
            )
        ).first()
        if row is None or not hmac.compare_digest(row.key_sha256, digest):
            return None
        if row.expires_at is not None and row.expires_at <= datetime.now(UTC):
            return None
        return Principal(
            partner_id=str(row.partner_id),
            credential_id=str(row.credential_id),
            scopes=principal_scopes(row.scopes),
        )

    async def consent(self, session: AsyncSession, consent_id: str) -> ConsentRecord | None:
        """The consent record with this id as the copy holds it, or None when unknown."""
        consents = self.consents
        row = (
            await session.execute(select(consents).where(consents.c.consent_id == consent_id))
        ).first()
        return record_of(row) if row is not None else None

    async def directory(self, session: AsyncSession, kind: str) -> list[DirectoryEntry]:
        """Every active partner of a kind with what it serves, by id."""
        partners, directory = self.partners, self.tables.directory
        rows = await session.execute(
            select(
                partners.c.partner_id,
                partners.c.zones,
                directory.c.services,
                directory.c.languages,
                directory.c.age_groups,
            )
            .join(
                directory,
                (directory.c.partner_id == partners.c.partner_id) & (directory.c.status == ACTIVE),
                isouter=True,
            )
            .where(partners.c.kind == kind, partners.c.status == ACTIVE)
            .order_by(partners.c.partner_id)
        )
        return [
            DirectoryEntry(
                partner_id=str(row.partner_id),
                zones=frozenset(row.zones or ()),
                services=frozenset(row.services or ()),
                languages=frozenset(row.languages or ()),
                age_groups=frozenset(row.age_groups or ()),
            )
            for row in rows
        ]

    async def rate_limit(self, session: AsyncSession, partner_id: str) -> PartnerRateLimit | None:
        """The partner's own request limit as the registry set it, or None (the default)."""
        stored = await session.scalar(
            select(self.partners.c.rate_limit).where(self.partners.c.partner_id == partner_id)
        )
        return PartnerRateLimit.model_validate(stored) if stored else None

    async def active_partner_kind(self, session: AsyncSession, partner_id: str) -> str | None:
        """The kind of an active partner, or None when it is unknown or suspended."""
        kind = await session.scalar(
            select(self.partners.c.kind).where(
                self.partners.c.partner_id == partner_id, self.partners.c.status == ACTIVE
            )
        )
        return str(kind) if kind is not None else None

    async def contact_email(self, session: AsyncSession, partner_id: str) -> str | None:
        """Where operational notices to the partner go, or None (none given, or unknown)."""
        found = await session.scalar(
            select(self.partners.c.contact_email).where(self.partners.c.partner_id == partner_id)
        )
        if not found:
            return None
        return str(open_values(session, self.partners, {"contact_email": found})["contact_email"])

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
        return None if row is None else _terms(row)

    async def grant_terms_of(
        self, session: AsyncSession, partner_ids: Collection[str], stream: Stream
    ) -> dict[str, GrantTerms]:
        """`grant_terms` for many partners in one query: only those holding a grant appear.

        On a stream with hundreds of subscribers a query per partner was the largest cost of
        routing one alert (docs/performance.md)."""
        if not partner_ids:
            return {}
        found: dict[str, GrantTerms] = {}
        for row in await self._grants_in_force(
            session, set(partner_ids), stream, GrantAction.SUBSCRIBE
        ):
            found.setdefault(row.partner_id, _terms(row))
        return found

    async def _grants_in_force(
        self, session: AsyncSession, partner_ids: set[str], stream: Stream, action: GrantAction
    ) -> list[Row[Any]]:
        # Each partner's grants in grant id order, the first in force deciding (as below).
        grants, partners = self.grants, self.partners
        rows = await session.execute(
            select(grants)
            .join(partners, partners.c.partner_id == grants.c.partner_id)
            .where(
                grants.c.partner_id.in_(partner_ids),
                grants.c.stream == stream.value,
                grants.c.action == action.value,
                grants.c.status == ACTIVE,
                partners.c.status == ACTIVE,
            )
            .order_by(grants.c.partner_id, grants.c.grant_id)
        )
        now = datetime.now(UTC)
        # The period is checked here, not in SQL: SQLite compares datetimes as text.
        return [r for r in rows if in_force(r.starts_at, r.expires_at, now)]

    async def _grant_in_force(
        self, session: AsyncSession, partner_id: str, stream: Stream, action: GrantAction
    ) -> Row[Any] | None:
        rows = await self._grants_in_force(session, {partner_id}, stream, action)
        return rows[0] if rows else None

    async def subscribers(
        self, session: AsyncSession, stream: Stream, partner_ids: set[str] | None = None
    ) -> list[Subscriber]:
        """Active endpoints for a stream whose partner holds a subscribe grant in force now."""
        now = datetime.now(UTC)
        grants, subscriptions, partners = self.grants, self.subscriptions, self.partners
        grant_rows = await session.execute(
            select(grants.c.partner_id, grants.c.starts_at, grants.c.expires_at).where(
                grants.c.stream == stream.value,
                grants.c.action == GrantAction.SUBSCRIBE.value,
                grants.c.status == ACTIVE,
            )
        )
        granted = {
            row.partner_id for row in grant_rows if in_force(row.starts_at, row.expires_at, now)
        }
        query = (
            select(subscriptions)
            .join(partners, partners.c.partner_id == subscriptions.c.partner_id)
            .where(
                and_(
                    subscriptions.c.stream == stream.value,
                    subscriptions.c.status == ACTIVE,
                    partners.c.status == ACTIVE,
                    subscriptions.c.partner_id.in_(granted),
                )
            )
            .order_by(subscriptions.c.subscription_id)
        )
        if partner_ids is not None:
            query = query.where(subscriptions.c.partner_id.in_(partner_ids))
        rows = (await session.execute(query)).all()
        opened = [open_values(session, subscriptions, dict(row._mapping)) for row in rows]
        return [
            Subscriber(
                subscription_id=row["subscription_id"],
                partner_id=row["partner_id"],
                url=row["url"],
                secret_encrypted=row["secret_encrypted"],
                channel=Channel(row["channel"]),
                zones=frozenset(row["zones"]) if row["zones"] is not None else None,
                event_types=(
                    frozenset(row["event_types"]) if row["event_types"] is not None else None
                ),
            )
            for row in opened
        ]
