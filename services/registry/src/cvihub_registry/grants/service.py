"""Use cases on grants: who may publish or subscribe on which stream, on what terms."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Classification, GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_registry import store
from cvihub_registry.core import RegistryCore, partner_or_404, record_change
from cvihub_registry.domain import Conflict, Grant, Invalid, NotFound, RevocableStatus
from cvihub_registry.grants import store as grants_store
from cvihub_registry.partners import store as partners_store
from cvihub_runtime.db import transaction


async def create_grant(
    *,
    core: RegistryCore,
    actor: str,
    partner_id: str,
    stream: Stream,
    action: GrantAction,
    purpose: str | None = None,
    agreement_ref: str | None = None,
    zones: list[str] | None = None,
    addressed_only: bool = True,
    field_view: list[Classification] | None = None,
    starts_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Grant:
    """Grant a partner publish or subscribe on a stream; Conflict if an active one exists."""
    check_period(starts_at, expires_at)
    try:
        async with transaction(core.sessions) as session:
            await partner_or_404(session, partner_id)
            grant = await new_grant(
                session,
                actor=actor,
                grant_id=uuid.uuid4().hex,
                partner_id=partner_id,
                stream=stream,
                action=action,
                purpose=purpose,
                agreement_ref=agreement_ref,
                zones=zones,
                addressed_only=addressed_only,
                field_view=field_view,
                starts_at=starts_at,
                expires_at=expires_at,
            )
    except IntegrityError as exc:
        raise Conflict("grant-exists", "an active grant for this stream and action exists") from exc
    core.wake()
    return grant


async def new_grant(
    session: AsyncSession,
    *,
    actor: str,
    grant_id: str,
    partner_id: str,
    stream: Stream,
    action: GrantAction,
    purpose: str | None,
    agreement_ref: str | None,
    zones: list[str] | None = None,
    addressed_only: bool = True,
    field_view: list[Classification] | None = None,
    starts_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Grant:
    """Insert a grant in the caller's transaction; Conflict if an active one exists."""
    partner = await partners_store.get_partner(session, partner_id)
    if partner is not None and partner.kind is PartnerKind.FUNDER:
        # Every stream carries single events about people and incidents; a funder sees only
        # aggregates, which no stream carries, so no grant can be made for one.
        raise Invalid(
            "funder-aggregates-only",
            "a funder receives aggregates only: it can hold no grant on an event stream",
        )
    sequence = await store.next_sequence(session)
    found = await grants_store.active_grant(
        session, partner_id=partner_id, stream=stream, action=action
    )
    if found is not None:
        raise Conflict("grant-exists", "an active grant for this stream and action exists")
    now = datetime.now(UTC)
    grant = await store.insert(
        session,
        Grant(
            grant_id=grant_id,
            partner_id=partner_id,
            stream=stream,
            action=action,
            status=RevocableStatus.ACTIVE,
            purpose=purpose,
            agreement_ref=agreement_ref,
            created_at=now,
            updated_at=now,
            revoked_at=None,
            sequence=sequence,
            zones=zones,
            addressed_only=addressed_only,
            field_view=field_view,
            starts_at=starts_at,
            expires_at=expires_at,
        ),
    )
    detail = {"partner_id": partner_id, "stream": stream.value, "action": action.value}
    await record_change(session, grant, actor=actor, action="grant.created", detail=detail)
    return grant


def check_period(starts_at: datetime | None, expires_at: datetime | None) -> None:
    """Invalid unless expires_at falls after starts_at (when both are set)."""
    if starts_at is not None and expires_at is not None and expires_at <= starts_at:
        raise Invalid("invalid-grant-period", "expires_at must be after starts_at")


GRANT_TERMS = ("zones", "field_view", "starts_at", "expires_at")
"""The terms of a grant an administrator may change in place."""


async def update_grant(
    *, core: RegistryCore, actor: str, grant_id: str, changes: dict[str, Any]
) -> Grant:
    """Change an active grant's terms; each change is a new event with a higher sequence."""
    unknown = set(changes) - set(GRANT_TERMS)
    if unknown:
        raise Invalid("invalid-grant-change", f"not changeable: {', '.join(sorted(unknown))}")
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        grant = await grants_store.get_grant(session, grant_id)
        if grant is None:
            raise NotFound("grant-not-found", "no such grant")
        if grant.status is RevocableStatus.REVOKED:
            raise Conflict("grant-revoked", "a revoked grant cannot be changed")
        check_period(
            changes.get("starts_at", grant.starts_at), changes.get("expires_at", grant.expires_at)
        )
        grant = await store.save(
            session, grant, updated_at=datetime.now(UTC), sequence=sequence, **changes
        )
        detail = {"partner_id": grant.partner_id, "changed": sorted(changes)}
        await record_change(session, grant, actor=actor, action="grant.changed", detail=detail)
    core.wake()
    return grant


async def revoke_grant(*, core: RegistryCore, actor: str, grant_id: str) -> Grant:
    """Revoke a grant (idempotent); NotFound if unknown."""
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        grant = await grants_store.get_grant(session, grant_id)
        if grant is None:
            raise NotFound("grant-not-found", "no such grant")
        if grant.status is RevocableStatus.REVOKED:
            return grant
        now = datetime.now(UTC)
        grant = await store.save(
            session,
            grant,
            status=RevocableStatus.REVOKED,
            revoked_at=now,
            updated_at=now,
            sequence=sequence,
        )
        detail = {"partner_id": grant.partner_id, "stream": grant.stream.value}
        await record_change(session, grant, actor=actor, action="grant.revoked", detail=detail)
    core.wake()
    return grant


async def list_grants(*, core: RegistryCore, partner_id: str | None = None) -> list[Grant]:
    """Grants, optionally of one partner."""
    async with core.sessions() as session:
        return await grants_store.list_grants(session, partner_id=partner_id)
