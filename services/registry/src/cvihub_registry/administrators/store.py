"""Every query on named administrators and their keys."""

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry.administrators.domain import (
    AdminCredential,
    Administrator,
    AdminRole,
    AdminStatus,
)
from cvihub_registry.models import admin_credentials, administrators
from cvihub_registry.store import row_values
from cvihub_runtime.sealed import open_values, seal_values


def _administrator(session: AsyncSession, row: Row[Any]) -> Administrator:
    values = open_values(session, administrators, row_values(row))
    values["role"] = AdminRole(values["role"])
    values["status"] = AdminStatus(values["status"])
    return Administrator(**values)


def _stored(entity: Administrator | AdminCredential) -> dict[str, Any]:
    return {
        name: value.value if isinstance(value, AdminRole | AdminStatus) else value
        for name, value in dataclasses.asdict(entity).items()
    }


async def insert_administrator(session: AsyncSession, admin: Administrator) -> Administrator:
    """Insert an administrator."""
    values = seal_values(session, administrators, _stored(admin))
    await session.execute(administrators.insert().values(values))
    return admin


async def save_administrator(
    session: AsyncSession, admin: Administrator, **changes: Any
) -> Administrator:
    """Write changed fields of an administrator."""
    changed = dataclasses.replace(admin, **changes, updated_at=datetime.now(UTC))
    values = {name: _stored(changed)[name] for name in (*changes, "updated_at")}
    values = seal_values(session, administrators, values)
    await session.execute(
        update(administrators).where(administrators.c.admin_id == admin.admin_id).values(values)
    )
    return changed


async def get_administrator(session: AsyncSession, admin_id: str) -> Administrator | None:
    """One administrator, or None."""
    row = (
        await session.execute(select(administrators).where(administrators.c.admin_id == admin_id))
    ).first()
    return _administrator(session, row) if row else None


async def list_administrators(session: AsyncSession) -> list[Administrator]:
    """Every administrator, by id."""
    rows = await session.execute(select(administrators).order_by(administrators.c.admin_id))
    return [_administrator(session, row) for row in rows]


async def insert_admin_credential(session: AsyncSession, key: AdminCredential) -> AdminCredential:
    """Insert an admin key (its hash)."""
    await session.execute(admin_credentials.insert().values(_stored(key)))
    return key


async def get_admin_credential(session: AsyncSession, credential_id: str) -> AdminCredential | None:
    """One admin key, or None."""
    row = (
        await session.execute(
            select(admin_credentials).where(admin_credentials.c.credential_id == credential_id)
        )
    ).first()
    return AdminCredential(**row_values(row)) if row else None


async def list_admin_credentials(session: AsyncSession, *, admin_id: str) -> list[AdminCredential]:
    """An administrator's keys, oldest first."""
    rows = await session.execute(
        select(admin_credentials)
        .where(admin_credentials.c.admin_id == admin_id)
        .order_by(admin_credentials.c.created_at, admin_credentials.c.credential_id)
    )
    return [AdminCredential(**row_values(row)) for row in rows]


async def revoke_admin_credential(
    session: AsyncSession, *, credential_id: str, at: datetime
) -> bool:
    """Revoke an active admin key; False if it was not active."""
    result = await session.execute(
        update(admin_credentials)
        .where(
            admin_credentials.c.credential_id == credential_id,
            admin_credentials.c.status == "active",
        )
        .values(status="revoked", revoked_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


async def touch_admin_credential(
    session: AsyncSession, *, credential_id: str, at: datetime
) -> None:
    """Record that an admin key was used."""
    await session.execute(
        update(admin_credentials)
        .where(admin_credentials.c.credential_id == credential_id)
        .values(last_used_at=at)
    )


async def administrator_with_email(session: AsyncSession, email: str) -> Administrator | None:
    """The administrator whose e-mail this is (compared lower-cased), if any.

    E-mails are sealed at rest, so no query can compare them: the hub has a handful of
    administrators, read and compared here."""
    wanted = email.strip().lower()
    for admin in await list_administrators(session):
        if admin.email is not None and admin.email.strip().lower() == wanted:
            return admin
    return None
