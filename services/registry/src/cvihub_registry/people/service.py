"""Use cases on people inside partners: create, list, change, disable (revoking sessions)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry.audit import store as audit_store
from cvihub_registry.audit.service import record_refusal
from cvihub_registry.core import RegistryCore, partner_or_404
from cvihub_registry.domain import Conflict, Invalid, NotFound
from cvihub_registry.people import store as people_store
from cvihub_registry.people.codes import email_digest, new_person_id, normalise_email
from cvihub_registry.people.domain import Person, PersonRole, PersonStatus
from cvihub_runtime.db import transaction

EDITABLE_PERSON_FIELDS = frozenset({"display_name", "role", "status"})


async def create_person(
    *,
    core: RegistryCore,
    actor: str,
    partner_id: str,
    email: str,
    display_name: str,
    role: PersonRole,
) -> Person:
    """Add an active person to a partner; Conflict if the email is taken."""
    try:
        async with transaction(core.sessions) as session:
            await partner_or_404(session, partner_id)
            person = await new_person(
                session,
                actor=actor,
                partner_id=partner_id,
                email=email,
                display_name=display_name,
                role=role,
                email_key=core.email_key,
            )
    except IntegrityError as exc:
        raise Conflict("person-exists", "a person with this email exists") from exc
    return person


async def new_person(
    session: AsyncSession,
    *,
    actor: str,
    partner_id: str,
    email: str,
    display_name: str,
    role: PersonRole,
    email_key: bytes,
) -> Person:
    """Insert a person and audit it in the caller's transaction (the email stays out of it)."""
    email = normalise_email(email)
    digest = email_digest(email, email_key)
    if await people_store.person_with_email(session, digest) is not None:
        raise Conflict("person-exists", "a person with this email exists")
    person = await people_store.insert_person(
        session,
        Person(
            person_id=new_person_id(),
            partner_id=partner_id,
            display_name=display_name,
            email=email,
            role=role,
            status=PersonStatus.ACTIVE,
            created_at=datetime.now(UTC),
        ),
        email_digest=digest,
    )
    await audit_store.add_audit(
        session,
        actor=actor,
        action="person.created",
        entity_id=person.person_id,
        detail={"partner_id": partner_id, "role": role.value},
    )
    return person


async def list_people(*, core: RegistryCore, partner_id: str) -> list[Person]:
    """A partner's people."""
    async with core.sessions() as session:
        await partner_or_404(session, partner_id)
        return await people_store.list_people(session, partner_id=partner_id)


async def get_person(
    *, core: RegistryCore, actor: str, person_id: str, partner_id: str | None
) -> Person:
    """One person; with `partner_id`, only that partner's (NotFound otherwise, audited)."""
    return await owned_person(
        core, actor=actor, person_id=person_id, partner_id=partner_id, operation="person.read"
    )


async def update_person(
    *,
    core: RegistryCore,
    actor: str,
    person_id: str,
    partner_id: str | None,
    changes: dict[str, Any],
) -> Person:
    """Change a person's name, role or status; disabling revokes all their sessions at once."""
    unknown = set(changes) - EDITABLE_PERSON_FIELDS
    if unknown:
        raise Invalid("not-editable", f"these fields cannot be changed: {sorted(unknown)}")
    await owned_person(
        core, actor=actor, person_id=person_id, partner_id=partner_id, operation="person.update"
    )
    async with transaction(core.sessions) as session:
        person = await people_store.get_person(session, person_id)
        if person is None:
            raise NotFound("person-not-found", "no such person")
        changed = {name: v for name, v in changes.items() if getattr(person, name) != v}
        if not changed:
            return person
        person = await people_store.save_person(session, person, **changed)
        detail: dict[str, Any] = {"partner_id": person.partner_id, "fields": sorted(changed)}
        action = "person.updated"
        if "status" in changed:
            disabled = person.status is PersonStatus.DISABLED
            action = "person.disabled" if disabled else "person.enabled"
            if disabled:
                detail["sessions_revoked"] = await people_store.revoke_sessions_of(
                    session, person_id=person_id, at=datetime.now(UTC)
                )
        if "role" in changed:
            detail["role"] = person.role.value
        await audit_store.add_audit(
            session, actor=actor, action=action, entity_id=person_id, detail=detail
        )
    return person


async def owned_person(
    core: RegistryCore, *, actor: str, person_id: str, partner_id: str | None, operation: str
) -> Person:
    """The person, if the caller's partner holds it (None = the hub admin, who sees all)."""
    async with core.sessions() as session:
        person = await people_store.get_person(session, person_id)
    if person is not None and partner_id is not None and person.partner_id != partner_id:
        # Reaching for another partner's person is a refused authorisation: audit it.
        await record_refusal(
            core,
            action="access.refused",
            actor=actor,
            entity_id=person_id,
            detail={"scope": "partner", "reason": "not-owner", "operation": operation},
        )
        person = None
    if person is None:
        raise NotFound("person-not-found", "no such person")
    return person
