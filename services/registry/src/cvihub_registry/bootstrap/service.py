"""Startup use cases: load the seed file idempotently, then re-announce every entity."""

import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry import store
from cvihub_registry.audit import store as audit_store
from cvihub_registry.bootstrap.seed import SeedFile, SeedPartner
from cvihub_registry.consents import store as consents_store
from cvihub_registry.consents.domain import consent_record
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import SEED_ACTOR
from cvihub_registry.events import Entity, change_records
from cvihub_registry.grants import store as grants_store
from cvihub_registry.grants.service import new_grant
from cvihub_registry.keys import store as keys_store
from cvihub_registry.keys.service import new_credential
from cvihub_registry.keys.tokens import key_from_text
from cvihub_registry.partners import store as partners_store
from cvihub_registry.partners.service import new_partner
from cvihub_registry.people import store as people_store
from cvihub_registry.people.codes import email_digest
from cvihub_registry.people.service import new_person
from cvihub_registry.subscriptions import store as subscriptions_store
from cvihub_registry.subscriptions.service import new_subscription
from cvihub_runtime.db import transaction

log = structlog.get_logger(__name__)

# Seeded grants and subscriptions get ids derived from what they are, so a second load finds
# them even after an admin revoked them (revoked stays revoked: existing entities are untouched).
_SEED_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-4a59-9a43-2b8f6f6c1e01")


@dataclass(frozen=True)
class SeedReport:
    """How many entities a seed load created."""

    partners: int = 0
    credentials: int = 0
    grants: int = 0
    subscriptions: int = 0


def seed_id(*parts: str) -> str:
    """A stable id for a seeded grant or subscription."""
    return uuid.uuid5(_SEED_NAMESPACE, "/".join(parts)).hex


async def apply_seed(*, core: RegistryCore, seed: SeedFile) -> SeedReport:
    """Create whatever the seed names and the registry lacks, in one transaction."""
    totals = [0, 0, 0, 0]
    async with transaction(core.sessions) as session:
        for partner in seed.partners:
            created = await _seed_partner(session, core, partner)
            totals = [a + b for a, b in zip(totals, created, strict=True)]
    report = SeedReport(*totals)
    log.info("seed loaded", **report.__dict__)
    if any(totals):
        core.wake()
    return report


async def _seed_partner(
    session: AsyncSession, core: RegistryCore, seeded: SeedPartner
) -> list[int]:
    created = [0, 0, 0, 0]
    partner_id = seeded.partner_id
    if await partners_store.get_partner(session, partner_id) is None:
        await new_partner(
            session,
            actor=SEED_ACTOR,
            partner_id=partner_id,
            name=seeded.name,
            kind=seeded.kind,
            contact_email=seeded.contact_email,
            description=seeded.description,
            zones=seeded.zones,
            beats=seeded.beats,
            community_areas=seeded.community_areas,
            services_offered=seeded.services_offered,
            website=seeded.website,
            service_area=seeded.service_area,
            cvi_services=list(seeded.cvi_services),
            languages=seeded.languages,
            age_groups=list(seeded.age_groups),
        )
        created[0] += 1
    for api_key in seeded.api_keys:
        key = key_from_text(api_key)
        by_id = await keys_store.get_credential(session, key.credential_id)
        by_hash = await keys_store.credential_with_hash(session, key.key_sha256)
        if by_id is None and by_hash is None:
            await new_credential(
                session, actor=SEED_ACTOR, partner_id=partner_id, key=key, expires_at=None
            )
            created[1] += 1
        elif by_id is not None and by_id.partner_id != partner_id:
            log.warning(
                "seeded key id belongs to another partner; left untouched",
                credential_id=key.credential_id,
                partner_id=partner_id,
            )
    for grant in seeded.grants:
        grant_id = seed_id("grant", partner_id, grant.stream.value, grant.action.value)
        if await grants_store.get_grant(session, grant_id) is None and (
            await grants_store.active_grant(
                session, partner_id=partner_id, stream=grant.stream, action=grant.action
            )
            is None
        ):
            await new_grant(
                session,
                actor=SEED_ACTOR,
                grant_id=grant_id,
                partner_id=partner_id,
                stream=grant.stream,
                action=grant.action,
                purpose=grant.purpose,
                agreement_ref=grant.agreement_ref,
                zones=list(grant.zones) if grant.zones is not None else None,
                field_view=list(grant.field_view) if grant.field_view is not None else None,
            )
            created[2] += 1
    for sub in seeded.subscriptions:
        url = str(sub.url)
        subscription_id = seed_id("subscription", partner_id, sub.stream.value, url)
        if await subscriptions_store.get_subscription(session, subscription_id) is None and (
            await subscriptions_store.active_subscription(
                session, partner_id=partner_id, stream=sub.stream, url=url
            )
            is None
        ):
            await new_subscription(
                session,
                box=core.box,
                actor=SEED_ACTOR,
                subscription_id=subscription_id,
                partner_id=partner_id,
                stream=sub.stream,
                url=url,
                secret=sub.secret,
            )
            created[3] += 1
    for seeded_person in seeded.people:
        # People are not counted in the report: they produce no registry events.
        digest = email_digest(seeded_person.email, core.email_key)
        if await people_store.person_with_email(session, digest):
            continue
        await new_person(
            session,
            actor=SEED_ACTOR,
            partner_id=partner_id,
            email=seeded_person.email,
            display_name=seeded_person.display_name,
            role=seeded_person.role,
            email_key=core.email_key,
        )
    return created


async def publish_snapshot(*, core: RegistryCore) -> int:
    """Enqueue a change event (new id, current sequence) for every entity; return how many.

    The embedded broker keeps nothing across restarts, so a fresh stack rebuilds every registry copy
    from this. Replicas that already hold an entity ignore it: its sequence is not newer.
    """
    correlation_id = f"snapshot-{uuid.uuid4()}"
    async with transaction(core.sessions) as session:
        entities: list[Entity] = [
            *await partners_store.list_partners(session),
            *await keys_store.list_credentials(session),
            *await grants_store.list_grants(session),
            *await subscriptions_store.list_subscriptions(session),
        ]
        records = [r for e in entities for r in change_records(e, correlation_id=correlation_id)]
        for record in records:
            await store.enqueue(session, record)
        consents = await consents_store.list_consents(session)
        for consent in consents:
            await store.enqueue(session, consent_record(consent, correlation_id=correlation_id))
        count = len(records) + len(consents)
        await audit_store.add_audit(
            session,
            actor="registry",
            action="snapshot.published",
            entity_id=None,
            detail={"count": count, "correlation_id": correlation_id},
        )
    log.info("registry snapshot enqueued", count=count, correlation_id=correlation_id)
    core.wake()
    return count
