"""Every query on partners' API keys (credentials)."""

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Scope
from cvihub_registry.domain import Credential, RevocableStatus
from cvihub_registry.models import credentials
from cvihub_registry.store import row_values


def _credential(row: Row[Any]) -> Credential:
    values = row_values(row)
    values["status"] = RevocableStatus(values["status"])
    values["scopes"] = stored_scopes(values["scopes"])
    return Credential(**values)


def stored_scopes(names: list[str] | None) -> list[Scope] | None:
    """Scopes as stored (null = every scope); a name this version does not know is dropped."""
    if names is None:
        return None
    known = {scope.value for scope in Scope}
    return [Scope(name) for name in names if name in known]


async def get_credential(session: AsyncSession, credential_id: str) -> Credential | None:
    """One credential by id."""
    row = (
        await session.execute(
            select(credentials).where(credentials.c.credential_id == credential_id)
        )
    ).first()
    return _credential(row) if row else None


async def credential_with_hash(session: AsyncSession, key_sha256: str) -> Credential | None:
    """The credential whose key hashes to this digest."""
    row = (
        await session.execute(select(credentials).where(credentials.c.key_sha256 == key_sha256))
    ).first()
    return _credential(row) if row else None


async def list_credentials(
    session: AsyncSession, *, partner_id: str | None = None
) -> list[Credential]:
    """Credentials, oldest first, optionally of one partner."""
    query = select(credentials).order_by(credentials.c.created_at, credentials.c.credential_id)
    if partner_id is not None:
        query = query.where(credentials.c.partner_id == partner_id)
    return [_credential(row) for row in await session.execute(query)]
