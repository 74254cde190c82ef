"""Applying the registry's change events to the copy: newer sequence wins, older is ignored."""

from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, EventData
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    GrantChangedV1,
    PartnerChangedV1,
    SubscriptionChangedV1,
)
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1
from cvihub_contracts.registry.directory_v1 import DirectoryChangedV1
from cvihub_registry_copy.tables import CopyTables
from cvihub_runtime.sealed import seal_values
from cvihub_runtime.tables import as_utc

REGISTRY_EVENT_TYPES: tuple[type[EventData], ...] = (
    PartnerChangedV1,
    CredentialChangedV1,
    GrantChangedV1,
    SubscriptionChangedV1,
    ConsentChangedV1,
    DirectoryChangedV1,
)
"""The event types that change the copy; a service routes each to RegistryCopy.apply."""


def _row(tables: CopyTables, data: EventData) -> tuple[Table, str, str, dict[str, Any]] | None:
    """The table, id column, id and values a change writes; None for other events."""
    values: dict[str, Any]
    if isinstance(data, PartnerChangedV1):
        values = {
            "name": data.name,
            "kind": data.kind.value,
            "status": data.status.value,
            "zones": data.zones,
            "contact_email": data.contact_email,
            "rate_limit": data.rate_limit.model_dump() if data.rate_limit else None,
        }
        return tables.partners, "partner_id", data.partner_id, values
    if isinstance(data, CredentialChangedV1):
        scopes = [scope.value for scope in data.scopes] if data.scopes is not None else None
        values = {
            "partner_id": data.partner_id,
            "key_sha256": data.key_sha256,
            "status": data.status.value,
            "expires_at": data.expires_at,
            "scopes": scopes,
        }
        return tables.credentials, "credential_id", data.credential_id, values
    if isinstance(data, GrantChangedV1):
        values = {
            "partner_id": data.partner_id,
            "stream": data.stream.value,
            "action": data.action.value,
            "status": data.status.value,
            "zones": data.zones,
            "addressed_only": data.addressed_only,
            "field_view": [c.value for c in data.field_view] if data.field_view else None,
            "starts_at": data.starts_at,
            "expires_at": data.expires_at,
        }
        return tables.grants, "grant_id", data.grant_id, values
    if isinstance(data, SubscriptionChangedV1):
        values = {
            "partner_id": data.partner_id,
            "stream": data.stream.value,
            "url": data.url,
            "secret_encrypted": data.secret_encrypted,
            "status": data.status.value,
            "channel": data.channel.value,
            "zones": data.zones,
            "event_types": data.event_types,
        }
        return tables.subscriptions, "subscription_id", data.subscription_id, values
    if isinstance(data, ConsentChangedV1):
        values = {
            "custodian_partner_id": data.custodian_partner_id,
            "recipient_partner_ids": data.recipient_partner_ids,
            "scope": [word.value for word in data.scope],
            "status": data.status.value,
            "given_at": data.given_at,
            "expires_at": data.expires_at,
            "withdrawn_at": data.withdrawn_at,
        }
        return tables.consents, "consent_id", data.consent_id, values
    if isinstance(data, DirectoryChangedV1):
        values = {
            "services": data.services,
            "languages": data.languages,
            "age_groups": data.age_groups,
            "status": data.status.value,
        }
        return tables.directory, "partner_id", data.partner_id, values
    return None


async def apply_change(session: AsyncSession, tables: CopyTables, event: Event[Any]) -> None:
    """Apply one registry change if it is newer than what the copy holds."""
    row = _row(tables, event.data)
    if row is None:
        return
    table, id_column, entity_id, values = row
    # The registry writes UTC; a time without a zone in an event is read as UTC, not refused,
    # so one odd record cannot block the registry stream for this service.
    values = {name: as_utc(v) if isinstance(v, datetime) else v for name, v in values.items()}
    values = seal_values(session, table, values)
    sequence = event.data.sequence
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
