"""Sign-in by emailed one-time code: request a code, exchange it for a device session."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry.audit import store as audit_store
from cvihub_registry.audit.service import record_refusal
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import UNKNOWN_ACTOR, PartnerStatus
from cvihub_registry.mail.domain import MailMessage
from cvihub_registry.mail.mailer import Mailer
from cvihub_registry.partners import store as partners_store
from cvihub_registry.people import store as people_store
from cvihub_registry.people.codes import (
    CODE_TTL,
    MAX_ATTEMPTS,
    MAX_CODES_PER_WINDOW,
    RATE_WINDOW,
    SESSION_TTL,
    code_matches,
    code_refusal,
    email_digest,
    hash_code,
    hash_token,
    new_code,
    new_code_id,
    new_salt,
    new_session_id,
    new_session_token,
    normalise_email,
)
from cvihub_registry.people.domain import (
    DeviceSession,
    NewSession,
    Person,
    PersonStatus,
    RateLimited,
    SignInCode,
    SignInRefused,
)
from cvihub_runtime.db import transaction

_REFUSED = "the email or code is wrong, expired or used up; request a new code"


@dataclass(frozen=True)
class SignIn:
    """What sign-in needs beyond the core: the mailer and the key that hides emails."""

    mailer: Mailer
    email_key: bytes


async def request_code(*, core: RegistryCore, signin: SignIn, email: str) -> None:
    """Email a one-time code when the email belongs to an active person; silent otherwise."""
    email = normalise_email(email)
    digest = email_digest(email, signin.email_key)
    code, salt = new_code(), new_salt()
    # Hashed for unknown emails too, so the answer takes as long either way.
    code_hash = await asyncio.to_thread(hash_code, code, salt)
    now = datetime.now(UTC)
    async with transaction(core.sessions) as session:
        limited = (
            await people_store.codes_since(session, email_digest=digest, since=now - RATE_WINDOW)
            >= MAX_CODES_PER_WINDOW
        )
        person = None if limited else await _signable(session, digest)
        if not limited:
            await people_store.insert_code(
                session,
                SignInCode(
                    code_id=new_code_id(),
                    email_digest=digest,
                    person_id=person.person_id if person else None,
                    code_hash=code_hash if person else None,
                    salt=salt if person else None,
                    created_at=now,
                    expires_at=now + CODE_TTL,
                    attempts=0,
                    consumed_at=None,
                ),
            )
            await _audit_request(session, person, digest)
    if limited:
        await _refuse(core, reason="rate-limited", digest=digest, person=None)
        raise RateLimited("too-many-requests", "too many codes requested; try again later")
    if person is not None:
        await signin.mailer.send(
            MailMessage(
                to=email,
                subject="Your CVI hub sign-in code",
                body=f"Your sign-in code is {code}. It works once, for 10 minutes.",
                expires_at=now + CODE_TTL,
            )
        )


async def _signable(session: AsyncSession, digest: str) -> Person | None:
    person = await people_store.person_with_email(session, digest)
    if person is None or person.status is not PersonStatus.ACTIVE:
        return None
    partner = await partners_store.get_partner(session, person.partner_id)
    return person if partner is not None and partner.status is PartnerStatus.ACTIVE else None


async def _audit_request(session: AsyncSession, person: Person | None, digest: str) -> None:
    if person is not None:
        await audit_store.add_audit(
            session,
            actor=person.person_id,
            action="signin.code-issued",
            entity_id=person.person_id,
            detail={"partner_id": person.partner_id},
        )
        return
    known = await people_store.person_with_email(session, digest)
    detail: dict[str, Any] = {"scope": "sign-in", "reason": "unknown-email"}
    if known is None:
        detail["email_hash"] = digest[:12]
    else:
        # Disabled, or the partner is suspended: no code, and the id (not the email) is logged.
        detail["reason"] = "person-unavailable"
    await audit_store.add_audit(
        session,
        actor=known.person_id if known else UNKNOWN_ACTOR,
        action="auth.refused",
        entity_id=known.person_id if known else None,
        detail=detail,
    )


async def create_session(
    *, core: RegistryCore, signin: SignIn, email: str, code: str, device_name: str
) -> NewSession:
    """Trade a valid code for a 90-day device session; wrong codes use up the attempts."""
    digest = email_digest(email, signin.email_key)
    now = datetime.now(UTC)
    async with transaction(core.sessions) as session:
        row = await people_store.newest_code(session, email_digest=digest)
        reason = code_refusal(row, now)
        attempts = None
        if reason is None and row is not None:
            # Count the attempt (and commit it) before checking, so parallel guesses cannot
            # get more than MAX_ATTEMPTS tries between them.
            attempts = await people_store.take_attempt(
                session, code_id=row.code_id, max_attempts=MAX_ATTEMPTS
            )
            reason = "code-used-up" if attempts is None else None
    person_id = row.person_id if row else None
    if (
        reason is None
        and row is not None
        and row.salt
        and row.code_hash
        and not await asyncio.to_thread(code_matches, code, row.salt, row.code_hash)
    ):
        reason = "wrong-code"
    if reason is not None or row is None or person_id is None:
        await _refuse(
            core, reason=reason or "no-code", digest=digest, person=person_id, attempts=attempts
        )
        raise SignInRefused("sign-in-refused", _REFUSED)
    token = new_session_token()
    async with transaction(core.sessions) as session:
        person = await people_store.get_person(session, person_id)
        usable = person is not None and await _signable(session, digest) is not None
        if not usable or not await people_store.consume_code(session, code_id=row.code_id, at=now):
            person = None
        if person is not None:
            device = await people_store.insert_session(
                session,
                DeviceSession(
                    session_id=new_session_id(),
                    person_id=person.person_id,
                    device_name=device_name,
                    token_sha256=hash_token(token),
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + SESSION_TTL,
                    revoked_at=None,
                ),
            )
            await audit_store.add_audit(
                session,
                actor=person.person_id,
                action="session.created",
                entity_id=device.session_id,
                detail={"person_id": person.person_id, "partner_id": person.partner_id},
            )
    if person is None:
        await _refuse(core, reason="person-unavailable", digest=digest, person=person_id)
        raise SignInRefused("sign-in-refused", _REFUSED)
    return NewSession(session=device, token=token, person=person)


async def _refuse(
    core: RegistryCore,
    *,
    reason: str,
    digest: str,
    person: str | None,
    attempts: int | None = None,
) -> None:
    detail: dict[str, Any] = {"scope": "sign-in", "reason": reason}
    if person is None:
        detail["email_hash"] = digest[:12]
    if attempts is not None:
        detail["attempts"] = attempts
    await record_refusal(
        core,
        action="auth.refused",
        actor=person or UNKNOWN_ACTOR,
        entity_id=person,
        detail=detail,
    )
