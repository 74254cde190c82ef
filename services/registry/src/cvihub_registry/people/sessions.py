"""Device sessions: authenticate a session token, list sessions, sign out and revoke."""

from datetime import UTC, datetime, timedelta

from cvihub_registry.audit import store as audit_store
from cvihub_registry.audit.service import record_refusal
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import UNKNOWN_ACTOR, NotFound, Partner, PartnerStatus
from cvihub_registry.partners import store as partners_store
from cvihub_registry.people import store as people_store
from cvihub_registry.people.codes import hash_token
from cvihub_registry.people.domain import DeviceSession, Person, PersonStatus, SessionCaller
from cvihub_registry.people.service import owned_person
from cvihub_runtime.db import transaction

# Writing last_seen_at on every request would turn each read into a write; a minute is enough.
_TOUCH_EVERY = timedelta(minutes=1)


async def authenticate_session(
    *, core: RegistryCore, token: str | None, path: str
) -> SessionCaller | None:
    """The person behind a live session token, checked on every request; refusals audited."""
    now = datetime.now(UTC)
    device: DeviceSession | None = None
    person: Person | None = None
    partner: Partner | None = None
    reason: str | None = "missing-credentials"
    if token is not None:
        async with core.sessions() as session:
            device = await people_store.session_with_hash(session, hash_token(token))
            if device is not None:
                person = await people_store.get_person(session, device.person_id)
            if person is not None:
                partner = await partners_store.get_partner(session, person.partner_id)
        reason = _session_refusal(device, person, partner, now)
    if reason is not None or device is None or person is None:
        await record_refusal(
            core,
            action="auth.refused",
            actor=person.person_id if person else UNKNOWN_ACTOR,
            entity_id=device.session_id if device else None,
            detail={"scope": "session", "reason": reason or "unknown-session", "path": path},
        )
        return None
    if now - device.last_seen_at >= _TOUCH_EVERY:
        async with transaction(core.sessions) as session:
            await people_store.touch_session(session, session_id=device.session_id, at=now)
    return SessionCaller(session=device, person=person)


def _session_refusal(
    device: DeviceSession | None, person: Person | None, partner: Partner | None, now: datetime
) -> str | None:
    if device is None:
        return "unknown-session"
    if device.revoked_at is not None:
        return "revoked-session"
    if device.expires_at <= now:
        return "expired-session"
    if person is None or person.status is not PersonStatus.ACTIVE:
        return "person-disabled"
    if partner is None or partner.status is not PartnerStatus.ACTIVE:
        return "partner-suspended"
    return None


async def list_sessions(
    *, core: RegistryCore, actor: str, person_id: str, partner_id: str | None
) -> list[DeviceSession]:
    """A person's device sessions; with `partner_id`, only that partner's people."""
    await owned_person(
        core, actor=actor, person_id=person_id, partner_id=partner_id, operation="session.list"
    )
    async with core.sessions() as session:
        return await people_store.list_sessions(session, person_id=person_id)


async def revoke_session(
    *,
    core: RegistryCore,
    actor: str,
    session_id: str,
    partner_id: str | None,
    reason: str = "revoked",
) -> DeviceSession:
    """End a device session at once (a lost phone, or signing out); idempotent."""
    async with core.sessions() as session:
        device = await people_store.get_session(session, session_id)
    if device is None:
        raise NotFound("session-not-found", "no such session")
    try:
        await owned_person(
            core,
            actor=actor,
            person_id=device.person_id,
            partner_id=partner_id,
            operation="session.revoke",
        )
    except NotFound as exc:
        raise NotFound("session-not-found", "no such session") from exc
    now = datetime.now(UTC)
    async with transaction(core.sessions) as session:
        if await people_store.revoke_session(session, session_id=session_id, at=now):
            device = await people_store.get_session(session, session_id) or device
            await audit_store.add_audit(
                session,
                actor=actor,
                action="session.revoked",
                entity_id=session_id,
                detail={"person_id": device.person_id, "reason": reason},
            )
    return device
