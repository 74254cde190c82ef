"""What every use case shares: the core's dependencies and how a change is recorded."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry import store
from cvihub_registry.audit import store as audit_store
from cvihub_registry.domain import Credential, Grant, NotFound, Partner
from cvihub_registry.events import Entity, change_records
from cvihub_registry.partners import store as partners_store
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.egress import EgressPolicy
from cvihub_runtime.secretbox import SecretBox


@dataclass(frozen=True)
class RegistryCore:
    """What the use cases need: the database, the hub's secret box, the relay's wake-up, the
    key of email digests (people are found by it: people/codes.py) and where webhooks may
    point."""

    sessions: SessionFactory
    box: SecretBox
    wake: Callable[[], None]
    email_key: bytes
    egress: EgressPolicy = field(default_factory=EgressPolicy)


async def record_change(
    session: AsyncSession, entity: Entity, *, actor: str, action: str, detail: dict[str, Any]
) -> None:
    """Audit a change and enqueue its event, in the caller's transaction."""
    await audit_store.add_audit(
        session, actor=actor, action=action, entity_id=_entity_id(entity), detail=detail
    )
    for record in change_records(entity):
        await store.enqueue(session, record)


def _entity_id(entity: Entity) -> str:
    if isinstance(entity, Partner):
        return entity.partner_id
    if isinstance(entity, Credential):
        return entity.credential_id
    if isinstance(entity, Grant):
        return entity.grant_id
    return entity.subscription_id


async def partner_or_404(session: AsyncSession, partner_id: str) -> Partner:
    """The partner with this id; NotFound if unknown."""
    partner = await partners_store.get_partner(session, partner_id)
    if partner is None:
        raise NotFound("partner-not-found", "no such partner")
    return partner
