"""Every query the registry makes; rows go in and come out as domain values."""

import dataclasses
import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Row, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Classification, GrantAction, KafkaRecord, Scope, Stream
from cvihub_contracts.geo import ServiceArea
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind
from cvihub_registry.chain import AuditHead, entry_hash
from cvihub_registry.domain import (
    AuditEntry,
    Credential,
    Grant,
    Partner,
    PartnerStatus,
    RevocableStatus,
    Subscription,
)
from cvihub_registry.models import (
    audit_head,
    audit_log,
    change_sequence,
    consents,
    credentials,
    grants,
    outbox,
    partners,
    subscriptions,
)
from cvihub_runtime.outbox import add_to_outbox

E = TypeVar("E", Partner, Credential, Grant, Subscription)

_SEQUENCE_ROW = 1
_HEAD_ROW = 1
# Stored areas were checked before they were written: reading them back checks only structure.
_SERVICE_AREA: TypeAdapter[Any] = TypeAdapter(ServiceArea)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything the registry stores is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _column_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_column_value(item) for item in value]
    if isinstance(value, BaseModel):  # a service area: its GeoJSON
        return value.model_dump(mode="json")
    return value.value if isinstance(value, Enum) else value


def row_values(row: Row[Any]) -> dict[str, Any]:
    """A row's values, its datetimes made UTC-aware (SQLite hands them back naive)."""
    values = dict(row._mapping)
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = _aware(value)
    return values


def _partner(row: Row[Any]) -> Partner:
    values = row_values(row)
    values["kind"] = PartnerKind(values["kind"])
    values["status"] = PartnerStatus(values["status"])
    if values["service_area"] is not None:
        values["service_area"] = _SERVICE_AREA.validate_python(values["service_area"])
    return Partner(**values)


def _credential(row: Row[Any]) -> Credential:
    values = row_values(row)
    values["status"] = RevocableStatus(values["status"])
    values["scopes"] = stored_scopes(values["scopes"])
    return Credential(**values)


def stored_scopes(names: list[str] | None) -> list[Scope] | None:
    """Scopes as stored (null = every scope); a name this version does not know is dropped."""
    if names is None:
        return None
    known = {scope.value for scope in Scope}
    return [Scope(name) for name in names if name in known]


def _grant(row: Row[Any]) -> Grant:
    values = row_values(row)
    values["stream"] = Stream(values["stream"])
    values["action"] = GrantAction(values["action"])
    values["status"] = RevocableStatus(values["status"])
    if values["field_view"] is not None:
        values["field_view"] = [Classification(c) for c in values["field_view"]]
    return Grant(**values)


def _subscription(row: Row[Any]) -> Subscription:
    values = row_values(row)
    values["stream"] = Stream(values["stream"])
    values["status"] = RevocableStatus(values["status"])
    values["channel"] = Channel(values["channel"])
    return Subscription(**values)


_TABLES: dict[type[Any], Table] = {
    Partner: partners,
    Credential: credentials,
    Grant: grants,
    Subscription: subscriptions,
}


async def next_sequence(session: AsyncSession) -> int:
    """Bump the global change counter and return the new value (locks until commit)."""
    value = await session.scalar(
        update(change_sequence)
        .where(change_sequence.c.id == _SEQUENCE_ROW)
        .values(value=change_sequence.c.value + 1)
        .returning(change_sequence.c.value)
    )
    if value is None:
        # The migration seeds the row; this only guards a database set up some other way.
        await session.execute(change_sequence.insert().values(id=_SEQUENCE_ROW, value=1))
        return 1
    return int(value)


async def insert(session: AsyncSession, entity: E) -> E:
    """Store a new entity."""
    values = {name: _column_value(v) for name, v in dataclasses.asdict(entity).items()}
    await session.execute(_TABLES[type(entity)].insert().values(values))
    return entity


async def save(session: AsyncSession, entity: E, **changes: Any) -> E:
    """Store changed fields of an entity and return the changed entity."""
    changed = dataclasses.replace(entity, **changes)
    table = _TABLES[type(entity)]
    key = table.primary_key.columns.values()[0]
    await session.execute(
        update(table)
        .where(key == getattr(entity, key.name))
        .values({name: _column_value(v) for name, v in changes.items()})
    )
    return changed


async def get_partner(session: AsyncSession, partner_id: str) -> Partner | None:
    """One partner by id."""
    row = (
        await session.execute(select(partners).where(partners.c.partner_id == partner_id))
    ).first()
    return _partner(row) if row else None


async def list_partners(
    session: AsyncSession, *, status: PartnerStatus | None = None
) -> list[Partner]:
    """Partners by id, optionally only those with a status."""
    query = select(partners).order_by(partners.c.partner_id)
    if status is not None:
        query = query.where(partners.c.status == status.value)
    return [_partner(row) for row in await session.execute(query)]


async def get_credential(session: AsyncSession, credential_id: str) -> Credential | None:
    """One credential by id."""
    row = (
        await session.execute(
            select(credentials).where(credentials.c.credential_id == credential_id)
        )
    ).first()
    return _credential(row) if row else None


async def credential_with_hash(session: AsyncSession, key_sha256: str) -> Credential | None:
    """The credential whose key hashes to this digest."""
    row = (
        await session.execute(select(credentials).where(credentials.c.key_sha256 == key_sha256))
    ).first()
    return _credential(row) if row else None


async def list_credentials(
    session: AsyncSession, *, partner_id: str | None = None
) -> list[Credential]:
    """Credentials, oldest first, optionally of one partner."""
    query = select(credentials).order_by(credentials.c.created_at, credentials.c.credential_id)
    if partner_id is not None:
        query = query.where(credentials.c.partner_id == partner_id)
    return [_credential(row) for row in await session.execute(query)]


async def get_grant(session: AsyncSession, grant_id: str) -> Grant | None:
    """One grant by id."""
    row = (await session.execute(select(grants).where(grants.c.grant_id == grant_id))).first()
    return _grant(row) if row else None


async def active_grant(
    session: AsyncSession, *, partner_id: str, stream: Stream, action: GrantAction
) -> Grant | None:
    """The partner's active grant for a stream and action, if any."""
    row = (
        await session.execute(
            select(grants).where(
                grants.c.partner_id == partner_id,
                grants.c.stream == stream.value,
                grants.c.action == action.value,
                grants.c.status == RevocableStatus.ACTIVE.value,
            )
        )
    ).first()
    return _grant(row) if row else None


async def list_grants(session: AsyncSession, *, partner_id: str | None = None) -> list[Grant]:
    """Grants, oldest first, optionally of one partner."""
    query = select(grants).order_by(grants.c.created_at, grants.c.grant_id)
    if partner_id is not None:
        query = query.where(grants.c.partner_id == partner_id)
    return [_grant(row) for row in await session.execute(query)]


async def get_subscription(session: AsyncSession, subscription_id: str) -> Subscription | None:
    """One subscription by id."""
    row = (
        await session.execute(
            select(subscriptions).where(subscriptions.c.subscription_id == subscription_id)
        )
    ).first()
    return _subscription(row) if row else None


async def active_subscription(
    session: AsyncSession, *, partner_id: str, stream: Stream, url: str
) -> Subscription | None:
    """The partner's active subscription for a stream and URL, if any."""
    row = (
        await session.execute(
            select(subscriptions).where(
                subscriptions.c.partner_id == partner_id,
                subscriptions.c.stream == stream.value,
                subscriptions.c.url == url,
                subscriptions.c.status == RevocableStatus.ACTIVE.value,
            )
        )
    ).first()
    return _subscription(row) if row else None


async def list_subscriptions(
    session: AsyncSession, *, partner_id: str | None = None
) -> list[Subscription]:
    """Subscriptions, oldest first, optionally of one partner."""
    query = select(subscriptions).order_by(
        subscriptions.c.created_at, subscriptions.c.subscription_id
    )
    if partner_id is not None:
        query = query.where(subscriptions.c.partner_id == partner_id)
    return [_subscription(row) for row in await session.execute(query)]


async def add_audit(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    entity_id: str | None,
    detail: dict[str, Any],
) -> AuditEntry:
    """Append one audit row chained to the last (locks the audit head until commit)."""
    head = await lock_audit_head(session)
    # Hash exactly what the JSON column will give back.
    stored = json.loads(json.dumps(detail))
    values: dict[str, Any] = {
        "id": head.last_id + 1,
        "at": datetime.now(UTC),
        "actor": actor,
        "action": action,
        "entity_id": entity_id,
        "detail": stored,
        "prev_hash": head.last_hash,
    }
    values["entry_hash"] = entry_hash(**values)
    await session.execute(audit_log.insert().values(values))
    await session.execute(
        update(audit_head)
        .where(audit_head.c.id == _HEAD_ROW)
        .values(last_id=values["id"], last_hash=values["entry_hash"])
    )
    return AuditEntry(**values)


async def lock_audit_head(session: AsyncSession) -> AuditHead:
    """The audit head, locked until commit: writes first so SQLite takes its write lock too."""
    row = (
        await session.execute(
            update(audit_head)
            .where(audit_head.c.id == _HEAD_ROW)
            .values(last_id=audit_head.c.last_id)
            .returning(audit_head.c.last_id, audit_head.c.last_hash)
        )
    ).first()
    if row is None:
        # Never start a new chain silently: that would hide a deleted head.
        raise RuntimeError("the audit_head row is missing; run the registry's migrations")
    return AuditHead(last_id=int(row.last_id), last_hash=row.last_hash)


async def get_audit_head(session: AsyncSession) -> AuditHead | None:
    """The audit head as committed, without locking it."""
    row = (await session.execute(select(audit_head))).first()
    return AuditHead(last_id=int(row.last_id), last_hash=row.last_hash) if row else None


async def list_audit(
    session: AsyncSession, *, limit: int, action: str | None = None
) -> list[AuditEntry]:
    """The newest audit rows first, optionally only those of one action."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    rows = await session.execute(query)
    return [AuditEntry(**row_values(row)) for row in rows]


async def audit_page(session: AsyncSession, *, after_id: int, limit: int) -> list[AuditEntry]:
    """Audit rows with ids above `after_id`, oldest first."""
    rows = await session.execute(
        select(audit_log).where(audit_log.c.id > after_id).order_by(audit_log.c.id).limit(limit)
    )
    return [AuditEntry(**row_values(row)) for row in rows]


async def enqueue(session: AsyncSession, record: KafkaRecord) -> None:
    """Put an event in the outbox, in the caller's transaction."""
    await add_to_outbox(session, outbox, record)


async def newest_published_state(session: AsyncSession) -> int:
    """The newest sequence among the entities every registry copy holds (partners, keys,
    grants, subscriptions, consents); copies have caught up when they report at least this."""
    newest = 0
    for table in (partners, credentials, grants, subscriptions, consents):
        value = await session.scalar(select(func.max(table.c.sequence)))
        newest = max(newest, int(value or 0))
    return newest
