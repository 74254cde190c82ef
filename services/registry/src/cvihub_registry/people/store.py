"""Every query on people, sign-in codes and device sessions (mail: mail/store.py)."""

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry.models import device_sessions, people, sign_in_codes
from cvihub_registry.people.domain import (
    DeviceSession,
    Person,
    PersonRole,
    PersonStatus,
    SignInCode,
)
from cvihub_runtime.sealed import open_values, seal_values


def _aware(value: Any) -> Any:
    # SQLite hands back naive datetimes; everything the registry stores is UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _values(row: Row[Any]) -> dict[str, Any]:
    return {name: _aware(value) for name, value in row._mapping.items()}


def _person(session: AsyncSession, row: Row[Any]) -> Person:
    values = open_values(session, people, _values(row))
    del values["email_digest"]
    values["role"] = PersonRole(values["role"])
    values["status"] = PersonStatus(values["status"])
    return Person(**values)


def _stored(entity: Person | DeviceSession | SignInCode) -> dict[str, Any]:
    return {
        name: value.value if isinstance(value, PersonRole | PersonStatus) else value
        for name, value in dataclasses.asdict(entity).items()
    }


async def insert_person(session: AsyncSession, person: Person, *, email_digest: str) -> Person:
    """Store a new person, found later by the keyed digest of their email."""
    values = seal_values(session, people, _stored(person))
    await session.execute(people.insert().values({**values, "email_digest": email_digest}))
    return person


async def save_person(session: AsyncSession, person: Person, **changes: Any) -> Person:
    """Store changed fields of a person and return the changed person."""
    changed = dataclasses.replace(person, **changes)
    stored = {name: value for name, value in _stored(changed).items() if name in changes}
    stored = seal_values(session, people, stored)
    await session.execute(
        update(people).where(people.c.person_id == person.person_id).values(stored)
    )
    return changed


async def get_person(session: AsyncSession, person_id: str) -> Person | None:
    """One person by id."""
    row = (await session.execute(select(people).where(people.c.person_id == person_id))).first()
    return _person(session, row) if row else None


async def person_with_email(session: AsyncSession, email_digest: str) -> Person | None:
    """The person whose (normalised) email has this keyed digest."""
    row = (
        await session.execute(select(people).where(people.c.email_digest == email_digest))
    ).first()
    return _person(session, row) if row else None


async def fill_email_digests(session: AsyncSession, digest: Callable[[str], str]) -> int:
    """Give rows stored before emails were sealed their digest; how many were filled."""
    rows = await session.execute(
        select(people.c.person_id, people.c.email).where(people.c.email_digest.is_(None))
    )
    filled = 0
    for person_id, stored in rows.all():
        email = open_values(session, people, {"email": stored})["email"]
        await session.execute(
            update(people).where(people.c.person_id == person_id).values(email_digest=digest(email))
        )
        filled += 1
    return filled


async def list_people(session: AsyncSession, *, partner_id: str) -> list[Person]:
    """A partner's people, oldest first."""
    rows = await session.execute(
        select(people)
        .where(people.c.partner_id == partner_id)
        .order_by(people.c.created_at, people.c.person_id)
    )
    return [_person(session, row) for row in rows]


async def insert_code(session: AsyncSession, code: SignInCode) -> SignInCode:
    """Store a code request."""
    await session.execute(sign_in_codes.insert().values(_stored(code)))
    return code


async def codes_since(session: AsyncSession, *, email_digest: str, since: datetime) -> int:
    """How many codes were requested for this email since a time (the rate limit)."""
    count = await session.scalar(
        select(func.count())
        .select_from(sign_in_codes)
        .where(sign_in_codes.c.email_digest == email_digest, sign_in_codes.c.created_at > since)
    )
    return int(count or 0)


async def newest_code(session: AsyncSession, *, email_digest: str) -> SignInCode | None:
    """The newest code request for this email: the only one that can still be used."""
    row = (
        await session.execute(
            select(sign_in_codes)
            .where(sign_in_codes.c.email_digest == email_digest)
            .order_by(sign_in_codes.c.created_at.desc(), sign_in_codes.c.code_id.desc())
            .limit(1)
        )
    ).first()
    return SignInCode(**_values(row)) if row else None


async def take_attempt(session: AsyncSession, *, code_id: str, max_attempts: int) -> int | None:
    """Count one attempt on an unused code; the new count, or None if none were left."""
    value = await session.scalar(
        update(sign_in_codes)
        .where(
            sign_in_codes.c.code_id == code_id,
            sign_in_codes.c.attempts < max_attempts,
            sign_in_codes.c.consumed_at.is_(None),
        )
        .values(attempts=sign_in_codes.c.attempts + 1)
        .returning(sign_in_codes.c.attempts)
    )
    return None if value is None else int(value)


async def consume_code(session: AsyncSession, *, code_id: str, at: datetime) -> bool:
    """Mark a code used; False if another request used it first."""
    result = await session.execute(
        update(sign_in_codes)
        .where(sign_in_codes.c.code_id == code_id, sign_in_codes.c.consumed_at.is_(None))
        .values(consumed_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


def _device(session: AsyncSession, row: Row[Any]) -> DeviceSession:
    return DeviceSession(**open_values(session, device_sessions, _values(row)))


async def insert_session(session: AsyncSession, device: DeviceSession) -> DeviceSession:
    """Store a new device session."""
    values = seal_values(session, device_sessions, _stored(device))
    await session.execute(device_sessions.insert().values(values))
    return device


async def get_session(session: AsyncSession, session_id: str) -> DeviceSession | None:
    """One device session by id."""
    row = (
        await session.execute(
            select(device_sessions).where(device_sessions.c.session_id == session_id)
        )
    ).first()
    return _device(session, row) if row else None


async def session_with_hash(session: AsyncSession, token_sha256: str) -> DeviceSession | None:
    """The device session whose token hashes to this digest."""
    row = (
        await session.execute(
            select(device_sessions).where(device_sessions.c.token_sha256 == token_sha256)
        )
    ).first()
    return _device(session, row) if row else None


async def list_sessions(session: AsyncSession, *, person_id: str) -> list[DeviceSession]:
    """A person's device sessions, newest first."""
    rows = await session.execute(
        select(device_sessions)
        .where(device_sessions.c.person_id == person_id)
        .order_by(device_sessions.c.created_at.desc(), device_sessions.c.session_id)
    )
    return [_device(session, row) for row in rows]


async def revoke_session(session: AsyncSession, *, session_id: str, at: datetime) -> bool:
    """Revoke one session; False if it was already revoked."""
    result = await session.execute(
        update(device_sessions)
        .where(device_sessions.c.session_id == session_id, device_sessions.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


async def revoke_sessions_of(session: AsyncSession, *, person_id: str, at: datetime) -> int:
    """Revoke every live session of a person; how many were revoked."""
    result = await session.execute(
        update(device_sessions)
        .where(device_sessions.c.person_id == person_id, device_sessions.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(getattr(result, "rowcount", 0))


async def touch_session(session: AsyncSession, *, session_id: str, at: datetime) -> None:
    """Record when a session was last used."""
    await session.execute(
        update(device_sessions)
        .where(device_sessions.c.session_id == session_id)
        .values(last_seen_at=at)
    )
