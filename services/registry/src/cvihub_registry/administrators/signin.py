"""Administrators sign in as people do, by e-mailed one-time code, and get a short-lived admin
key for that device (the portal keeps it server-side; it never reaches a browser).

The codes share the people's sign-in code table and its rules (6 digits, 10 minutes, 5 tries,
5 codes an hour), under a digest of the e-mail in the administrators' own namespace, so a
person's code never signs anyone in as an administrator or the other way round."""

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from cvihub_registry.administrators import store as administrators_store
from cvihub_registry.administrators.domain import Administrator, AdminStatus
from cvihub_registry.administrators.service import IssuedAdminKey, issue_admin_key
from cvihub_registry.audit import store as audit_store
from cvihub_registry.audit.service import record_refusal
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import UNKNOWN_ACTOR
from cvihub_registry.mail.domain import MailMessage
from cvihub_registry.people import store as people_store
from cvihub_registry.people.codes import (
    CODE_TTL,
    MAX_ATTEMPTS,
    MAX_CODES_PER_WINDOW,
    RATE_WINDOW,
    code_matches,
    code_refusal,
    email_digest,
    hash_code,
    new_code,
    new_code_id,
    new_salt,
    normalise_email,
)
from cvihub_registry.people.domain import RateLimited, SignInCode, SignInRefused
from cvihub_registry.people.signin import SignIn
from cvihub_runtime.db import transaction

SIGN_IN_KEY_TTL = timedelta(hours=12)
"""How long the admin key of a sign-in lasts: a working day, then sign in again."""

_NAMESPACE = "administrator:"
_REFUSED = "the e-mail or code is wrong, expired or used up; request a new code"


def _digest(email: str, signin: SignIn) -> str:
    return email_digest(_NAMESPACE + normalise_email(email), signin.email_key)


async def _active(core: RegistryCore, email: str) -> Administrator | None:
    async with core.sessions() as session:
        found = await administrators_store.administrator_with_email(session, normalise_email(email))
    return found if found is not None and found.status is AdminStatus.ACTIVE else None


async def request_admin_code(*, core: RegistryCore, signin: SignIn, email: str) -> None:
    """E-mail a one-time code to an active administrator; silent for anyone else."""
    digest = _digest(email, signin)
    code, salt = new_code(), new_salt()
    code_hash = await asyncio.to_thread(hash_code, code, salt)  # for unknown e-mails too
    now = datetime.now(UTC)
    admin = await _active(core, email)
    async with transaction(core.sessions) as session:
        sent = await people_store.codes_since(session, email_digest=digest, since=now - RATE_WINDOW)
        limited = sent >= MAX_CODES_PER_WINDOW
        if not limited:
            await people_store.insert_code(
                session,
                SignInCode(
                    code_id=new_code_id(),
                    email_digest=digest,
                    person_id=None,
                    code_hash=code_hash if admin else None,
                    salt=salt if admin else None,
                    created_at=now,
                    expires_at=now + CODE_TTL,
                    attempts=0,
                    consumed_at=None,
                ),
            )
            if admin is not None:
                await audit_store.add_audit(
                    session,
                    actor=admin.actor,
                    action="admin.signin.code-issued",
                    entity_id=admin.admin_id,
                    detail={},
                )
    if limited:
        await _refuse(core, reason="rate-limited", digest=digest, admin=None)
        raise RateLimited("too-many-requests", "too many codes requested; try again later")
    if admin is not None:
        await signin.mailer.send(
            MailMessage(
                to=normalise_email(email),
                subject="Your CVI hub administrator sign-in code",
                body=f"Your administrator sign-in code is {code}. It works once, for 10 minutes.",
                expires_at=now + CODE_TTL,
            )
        )


async def create_admin_session(
    *, core: RegistryCore, signin: SignIn, email: str, code: str
) -> tuple[Administrator, IssuedAdminKey]:
    """Trade a valid code for a 12-hour admin key; wrong codes use up the attempts."""
    digest = _digest(email, signin)
    now = datetime.now(UTC)
    async with transaction(core.sessions) as session:
        row = await people_store.newest_code(session, email_digest=digest)
        reason = _refusal(row, now)
        if reason is None and row is not None:
            taken = await people_store.take_attempt(
                session, code_id=row.code_id, max_attempts=MAX_ATTEMPTS
            )
            reason = "code-used-up" if taken is None else None
    if reason is None and row is not None:
        salt, code_hash = row.salt or "", row.code_hash or ""
        if not await asyncio.to_thread(code_matches, code, salt, code_hash):
            reason = "wrong-code"
    admin = await _active(core, email)  # also names a known administrator in the refusal
    if reason is None and admin is None:
        reason = "administrator-unavailable"
    if reason is None and row is not None:
        async with transaction(core.sessions) as session:
            if not await people_store.consume_code(session, code_id=row.code_id, at=now):
                reason = "code-used-up"
    if reason is not None or admin is None:
        await _refuse(core, reason=reason or "no-code", digest=digest, admin=admin)
        raise SignInRefused("sign-in-refused", _REFUSED)
    # The key is issued (and audited, admin_key.issued) by the administrator themself.
    issued = await issue_admin_key(
        core=core, actor=admin.actor, admin_id=admin.admin_id, ttl=SIGN_IN_KEY_TTL
    )
    return admin, issued


def _refusal(row: SignInCode | None, now: datetime) -> str | None:
    # An administrator's code row names no person; one with a hash is a real code (a decoy
    # for an unknown e-mail has none), then the people's rules apply as they are.
    if row is None or row.code_hash is None:
        return "no-code"
    return code_refusal(dataclasses.replace(row, person_id=_NAMESPACE), now)


async def _refuse(
    core: RegistryCore, *, reason: str, digest: str, admin: Administrator | None
) -> None:
    detail = {"scope": "admin-sign-in", "reason": reason}
    if admin is None:
        detail["email_hash"] = digest[:12]
    await record_refusal(
        core,
        action="auth.refused",
        actor=admin.actor if admin else UNKNOWN_ACTOR,
        entity_id=admin.admin_id if admin else None,
        detail=detail,
    )
