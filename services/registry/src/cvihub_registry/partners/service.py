"""Use cases on partners: register, change, read, the directory, a partner's own profile."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_registry import store
from cvihub_registry.core import RegistryCore, partner_or_404, record_change
from cvihub_registry.domain import DIRECTORY_FIELDS, Conflict, Invalid, Partner, PartnerStatus
from cvihub_registry.partners import store as partners_store
from cvihub_registry.partners.geometry import Geometry, LonLat, covers
from cvihub_runtime.db import transaction

AREA_FIELDS = ("zones", "beats", "community_areas", "service_area")
EDITABLE_PARTNER_FIELDS = frozenset(
    {
        "name",
        "status",
        "contact_email",
        "description",
        "services_offered",
        "website",
        "rate_limit",
        *AREA_FIELDS,
        *DIRECTORY_FIELDS,
    }
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
    cvi_services: list[str] | None = None,
    languages: list[str] | None = None,
    age_groups: list[str] | None = None,
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
                cvi_services=cvi_services,
                languages=languages,
                age_groups=age_groups,
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
    cvi_services: list[str] | None = None,
    languages: list[str] | None = None,
    age_groups: list[str] | None = None,
) -> Partner:
    """Insert a partner in the caller's transaction; Conflict if the id is taken.

    A service area must have passed `geometry.valid_area` (the request and seed models do)."""
    sequence = await store.next_sequence(session)
    if await partners_store.get_partner(session, partner_id) is not None:
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
            cvi_services=list(cvi_services or []),
            languages=list(languages or []),
            age_groups=list(age_groups or []),
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
        return await partners_store.list_partners(
            session, status=PartnerStatus.ACTIVE if active_only else None
        )


async def list_directory(
    *,
    core: RegistryCore,
    zone: str | None = None,
    kind: PartnerKind | None = None,
    service: str | None = None,
    point: LonLat | None = None,
    cvi_service: str | None = None,
    language: str | None = None,
) -> list[Partner]:
    """Active partners, optionally only those serving a zone, of a kind, offering a service,
    whose drawn service area holds a point (edge included), providing a CVI service code or
    working in a language (its primary subtag: `es` matches `es-MX`)."""
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
        and (cvi_service is None or cvi_service in p.cvi_services)
        and (language is None or _primary(language) in {_primary(t) for t in p.languages})
    ]


def _primary(tag: str) -> str:
    """A BCP 47 tag's primary language subtag, lower-cased (as network matching compares)."""
    return tag.split("-")[0].casefold()


SELF_EDITABLE_PARTNER_FIELDS = frozenset(
    {"description", "contact_email", "services_offered", "website", "service_area"}
    | set(DIRECTORY_FIELDS)
)
"""What a partner may change on its own profile; name, kind, status and the zones, beats and
community areas (names grants and the network scope on) are the admin's. The drawn service area
is the partner's too: it describes where it works and decides nothing. So is its directory entry
(CVI services, languages, age groups): what it offers, which network referrals it is offered."""


async def update_own_profile(
    *, core: RegistryCore, partner_id: str, changes: dict[str, Any]
) -> Partner:
    """Change the caller's own description, contact, services, website, drawn service area or
    directory entry (audited)."""
    unknown = set(changes) - SELF_EDITABLE_PARTNER_FIELDS
    if unknown:
        raise Invalid("not-editable", f"these fields are the admin's: {sorted(unknown)}")
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        partner = await partner_or_404(session, partner_id)
        changed = {name: v for name, v in changes.items() if getattr(partner, name) != v}
        if not changed:
            return partner
        partner = await store.save(
            session, partner, **changed, sequence=sequence, updated_at=datetime.now(UTC)
        )
        await record_change(
            session,
            partner,
            actor=partner_id,
            action="partner.profile-updated",
            detail={"fields": sorted(changed)},
        )
    core.wake()
    return partner
