"""Use cases on partners and their API keys."""

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Scope
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_contracts.scopes import sorted_scopes
from cvihub_registry import store
from cvihub_registry.domain import (
    Conflict,
    Credential,
    Invalid,
    IssuedKey,
    NotFound,
    Partner,
    PartnerStatus,
    RevocableStatus,
)
from cvihub_registry.geometry import Geometry, LonLat, covers
from cvihub_registry.keys import NewKey, generate_key
from cvihub_registry.service.audit import record_refusal
from cvihub_registry.service.core import RegistryCore, partner_or_404, record_change
from cvihub_runtime.db import transaction

AREA_FIELDS = ("zones", "beats", "community_areas", "service_area")
EDITABLE_PARTNER_FIELDS = frozenset(
    {"name", "status", "contact_email", "description", "services_offered", "website", *AREA_FIELDS}
)


async def create_partner(
    *,
    core: RegistryCore,
    actor: str,
    partner_id: str,
    name: str,
    kind: PartnerKind,
    contact_email: str | None = None,
    description: str | None = None,
    zones: list[str] | None = None,
    beats: list[str] | None = None,
    community_areas: list[str] | None = None,
    services_offered: list[str] | None = None,
    website: str | None = None,
    service_area: Geometry | None = None,
) -> Partner:
    """Register a new, active partner; Conflict if the id is taken."""
    try:
        async with transaction(core.sessions) as session:
            partner = await new_partner(
                session,
                actor=actor,
                partner_id=partner_id,
                name=name,
                kind=kind,
                contact_email=contact_email,
                description=description,
                zones=zones or [],
                beats=beats or [],
                community_areas=community_areas or [],
                services_offered=services_offered or [],
                website=website,
                service_area=service_area,
            )
    except IntegrityError as exc:
        raise Conflict("partner-exists", "a partner with this id exists") from exc
    core.wake()
    return partner


async def new_partner(
    session: AsyncSession,
    *,
    actor: str,
    partner_id: str,
    name: str,
    kind: PartnerKind,
    contact_email: str | None,
    description: str | None,
    zones: list[str] | None = None,
    beats: list[str] | None = None,
    community_areas: list[str] | None = None,
    services_offered: list[str] | None = None,
    website: str | None = None,
    service_area: Geometry | None = None,
) -> Partner:
    """Insert a partner in the caller's transaction; Conflict if the id is taken.

    A service area must have passed `geometry.valid_area` (the request and seed models do)."""
    sequence = await store.next_sequence(session)
    if await store.get_partner(session, partner_id) is not None:
        raise Conflict("partner-exists", "a partner with this id exists")
    now = datetime.now(UTC)
    partner = await store.insert(
        session,
        Partner(
            partner_id=partner_id,
            name=name,
            kind=kind,
            status=PartnerStatus.ACTIVE,
            contact_email=contact_email,
            description=description,
            sequence=sequence,
            created_at=now,
            updated_at=now,
            zones=list(zones or []),
            beats=list(beats or []),
            community_areas=list(community_areas or []),
            services_offered=list(services_offered or []),
            website=website,
            service_area=service_area,
        ),
    )
    await record_change(
        session, partner, actor=actor, action="partner.created", detail={"kind": kind.value}
    )
    return partner


async def update_partner(
    *, core: RegistryCore, actor: str, partner_id: str, changes: dict[str, Any]
) -> Partner:
    """Change a partner's profile or status; suspension reaches every registry copy as an event."""
    unknown = set(changes) - EDITABLE_PARTNER_FIELDS
    if unknown:
        raise Invalid("not-editable", f"these fields cannot be changed: {sorted(unknown)}")
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        partner = await partner_or_404(session, partner_id)
        changed = {name: v for name, v in changes.items() if getattr(partner, name) != v}
        if not changed:
            return partner
        partner = await store.save(
            session, partner, **changed, sequence=sequence, updated_at=datetime.now(UTC)
        )
        action = "partner.updated"
        if "status" in changed:
            suspended = partner.status is PartnerStatus.SUSPENDED
            action = "partner.suspended" if suspended else "partner.reactivated"
        await record_change(
            session, partner, actor=actor, action=action, detail={"fields": sorted(changed)}
        )
    core.wake()
    return partner


async def get_partner(*, core: RegistryCore, partner_id: str) -> Partner:
    """One partner; NotFound if unknown."""
    async with core.sessions() as session:
        return await partner_or_404(session, partner_id)


async def list_partners(*, core: RegistryCore, active_only: bool = False) -> list[Partner]:
    """All partners, or only active ones (the directory)."""
    async with core.sessions() as session:
        return await store.list_partners(
            session, status=PartnerStatus.ACTIVE if active_only else None
        )


async def list_directory(
    *,
    core: RegistryCore,
    zone: str | None = None,
    kind: PartnerKind | None = None,
    service: str | None = None,
    point: LonLat | None = None,
) -> list[Partner]:
    """Active partners, optionally only those serving a zone, of a kind, offering a service or
    whose drawn service area holds a point (edge included)."""
    partners = await list_partners(core=core, active_only=True)
    # A few hundred partners at most: filtering here keeps JSON queries portable across DBs.
    wanted_service = service.casefold() if service else None
    return [
        p
        for p in partners
        if (zone is None or zone in p.zones)
        and (kind is None or p.kind is kind)
        and (wanted_service is None or wanted_service in {s.casefold() for s in p.services_offered})
        and (
            point is None
            or (p.service_area is not None and covers(p.service_area, lon=point.lon, lat=point.lat))
        )
    ]


async def issue_key(
    *,
    core: RegistryCore,
    actor: str,
    partner_id: str,
    expires_at: datetime | None = None,
    scopes: Collection[Scope] | None = None,
) -> IssuedKey:
    """Issue a new API key (scopes None = every scope); the plain key is returned only here."""
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise Invalid("expiry-in-past", "expires_at must be in the future")
    chosen = key_scopes(scopes)
    key = generate_key()
    async with transaction(core.sessions) as session:
        await partner_or_404(session, partner_id)
        credential = await new_credential(
            session,
            actor=actor,
            partner_id=partner_id,
            key=key,
            expires_at=expires_at,
            scopes=chosen,
        )
    core.wake()
    return IssuedKey(credential=credential, api_key=key.api_key)


async def new_credential(
    session: AsyncSession,
    *,
    actor: str,
    partner_id: str,
    key: NewKey,
    expires_at: datetime | None,
    scopes: list[Scope] | None = None,
) -> Credential:
    """Insert a credential (hash only; scopes None = every scope) in the caller's transaction."""
    sequence = await store.next_sequence(session)
    now = datetime.now(UTC)
    credential = await store.insert(
        session,
        Credential(
            credential_id=key.credential_id,
            partner_id=partner_id,
            key_sha256=key.key_sha256,
            status=RevocableStatus.ACTIVE,
            created_at=now,
            updated_at=now,
            expires_at=expires_at,
            revoked_at=None,
            sequence=sequence,
            scopes=scopes,
        ),
    )
    detail = {
        "partner_id": partner_id,
        "expires_at": expires_at.isoformat() if expires_at else None,
        "scopes": [scope.value for scope in scopes] if scopes is not None else None,
    }
    await record_change(
        session, credential, actor=actor, action="credential.created", detail=detail
    )
    return credential


def key_scopes(scopes: Collection[Scope] | None) -> list[Scope] | None:
    """Scopes to store for a new key, in vocabulary order; None = every scope.

    An empty list is refused: a key that may do nothing is a mistake, not a policy."""
    if scopes is None:
        return None
    if not scopes:
        raise Invalid("empty-scopes", "a key needs at least one scope; omit scopes for all")
    return sorted_scopes(scopes)


async def revoke_key(
    *, core: RegistryCore, actor: str, credential_id: str, owner: str | None = None
) -> Credential:
    """Revoke a key; with `owner`, only that partner's own key (NotFound otherwise)."""
    if owner is not None:
        await _refuse_unless_owner(core, credential_id=credential_id, owner=owner)
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        credential = await store.get_credential(session, credential_id)
        if credential is None or (owner is not None and credential.partner_id != owner):
            raise NotFound("key-not-found", "no such key")
        if credential.status is RevocableStatus.REVOKED:
            return credential
        now = datetime.now(UTC)
        credential = await store.save(
            session,
            credential,
            status=RevocableStatus.REVOKED,
            revoked_at=now,
            updated_at=now,
            sequence=sequence,
        )
        await record_change(
            session,
            credential,
            actor=actor,
            action="credential.revoked",
            detail={"partner_id": credential.partner_id},
        )
    core.wake()
    return credential


async def _refuse_unless_owner(core: RegistryCore, *, credential_id: str, owner: str) -> None:
    # A partner reaching for another partner's key is a refused authorisation: audit it.
    async with core.sessions() as session:
        credential = await store.get_credential(session, credential_id)
    if credential is not None and credential.partner_id != owner:
        await record_refusal(
            core,
            action="access.refused",
            actor=owner,
            entity_id=credential_id,
            detail={"scope": "partner", "reason": "not-owner", "operation": "credential.revoke"},
        )
        raise NotFound("key-not-found", "no such key")


async def list_keys(*, core: RegistryCore, partner_id: str) -> list[Credential]:
    """A partner's keys (ids, status and dates; never a key)."""
    async with core.sessions() as session:
        await partner_or_404(session, partner_id)
        return await store.list_credentials(session, partner_id=partner_id)
