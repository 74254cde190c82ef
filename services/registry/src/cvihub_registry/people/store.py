"""Every query on people, sign-in codes and device sessions (mail: mail/store.py)."""

import dataclasses
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


def _aware(value: Any) -> Any:
    # SQLite hands back naive datetimes; everything the registry stores is UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _values(row: Row[Any]) -> dict[str, Any]:
    return {name: _aware(value) for name, value in row._mapping.items()}


def _person(row: Row[Any]) -> Person:
    values = _values(row)
    values["role"] = PersonRole(values["role"])
    values["status"] = PersonStatus(values["status"])
    return Person(**values)


def _stored(entity: Person | DeviceSession | SignInCode) -> dict[str, Any]:
    return {
        name: value.value if isinstance(value, PersonRole | PersonStatus) else value
        for name, value in dataclasses.asdict(entity).items()
    }


async def insert_person(session: AsyncSession, person: Person) -> Person:
    """Store a new person."""
    await session.execute(people.insert().values(_stored(person)))
    return person


async def save_person(session: AsyncSession, person: Person, **changes: Any) -> Person:
    """Store changed fields of a person and return the changed person."""
    changed = dataclasses.replace(person, **changes)
    stored = {name: value for name, value in _stored(changed).items() if name in changes}
    await session.execute(
        update(people).where(people.c.person_id == person.person_id).values(stored)
    )
    return changed


async def get_person(session: AsyncSession, person_id: str) -> Person | None:
    """One person by id."""
    row = (await session.execute(select(people).where(people.c.person_id == person_id))).first()
    return _person(row) if row else None


async def person_with_email(session: AsyncSession, email: str) -> Person | None:
    """The person with this (normalised) email."""
    row = (await session.execute(select(people).where(people.c.email == email))).first()
    return _person(row) if row else None


async def list_people(session: AsyncSession, *, partner_id: str) -> list[Person]:
    """A partner's people, oldest first."""
    rows = await session.execute(
        select(people)
        .where(people.c.partner_id == partner_id)
        .order_by(people.c.created_at, people.c.person_id)
    )
    return [_person(row) for row in rows]


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


async def insert_session(session: AsyncSession, device: DeviceSession) -> DeviceSession:
    """Store a new device session."""
    await session.execute(device_sessions.insert().values(_stored(device)))
    return device


async def get_session(session: AsyncSession, session_id: str) -> DeviceSession | None:
    """One device session by id."""
    row = (
        await session.execute(
            select(device_sessions).where(device_sessions.c.session_id == session_id)
        )
    ).first()
    return DeviceSession(**_values(row)) if row else None


async def session_with_hash(session: AsyncSession, token_sha256: str) -> DeviceSession | None:
    """The device session whose token hashes to this digest."""
    row = (
        await session.execute(
            select(device_sessions).where(device_sessions.c.token_sha256 == token_sha256)
        )
    ).first()
    return DeviceSession(**_values(row)) if row else None


async def list_sessions(session: AsyncSession, *, person_id: str) -> list[DeviceSession]:
    """A person's device sessions, newest first."""
    rows = await session.execute(
        select(device_sessions)
        .where(device_sessions.c.person_id == person_id)
        .order_by(device_sessions.c.created_at.desc(), device_sessions.c.session_id)
    )
    return [DeviceSession(**_values(row)) for row in rows]


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
