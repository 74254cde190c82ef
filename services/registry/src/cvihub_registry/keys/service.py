"""Use cases on partners' API keys: issue, list, revoke and rotate."""

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Scope
from cvihub_contracts.scopes import sorted_scopes
from cvihub_registry import store
from cvihub_registry.audit.service import record_refusal
from cvihub_registry.core import RegistryCore, partner_or_404, record_change
from cvihub_registry.domain import (
    Conflict,
    Credential,
    Invalid,
    IssuedKey,
    NotFound,
    RevocableStatus,
)
from cvihub_registry.keys import store as keys_store
from cvihub_registry.keys.tokens import NewKey, generate_key
from cvihub_runtime.db import transaction


async def issue_key(
    *,
    core: RegistryCore,
    actor: str,
    partner_id: str,
    expires_at: datetime | None = None,
    scopes: Collection[Scope] | None = None,
) -> IssuedKey:
    """Issue a new API key (scopes None = every scope); the plain key is returned only here."""
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise Invalid("expiry-in-past", "expires_at must be in the future")
    chosen = key_scopes(scopes)
    key = generate_key()
    async with transaction(core.sessions) as session:
        await partner_or_404(session, partner_id)
        credential = await new_credential(
            session,
            actor=actor,
            partner_id=partner_id,
            key=key,
            expires_at=expires_at,
            scopes=chosen,
        )
    core.wake()
    return IssuedKey(credential=credential, api_key=key.api_key)


async def new_credential(
    session: AsyncSession,
    *,
    actor: str,
    partner_id: str,
    key: NewKey,
    expires_at: datetime | None,
    scopes: list[Scope] | None = None,
) -> Credential:
    """Insert a credential (hash only; scopes None = every scope) in the caller's transaction."""
    sequence = await store.next_sequence(session)
    now = datetime.now(UTC)
    credential = await store.insert(
        session,
        Credential(
            credential_id=key.credential_id,
            partner_id=partner_id,
            key_sha256=key.key_sha256,
            status=RevocableStatus.ACTIVE,
            created_at=now,
            updated_at=now,
            expires_at=expires_at,
            revoked_at=None,
            sequence=sequence,
            scopes=scopes,
        ),
    )
    detail = {
        "partner_id": partner_id,
        "expires_at": expires_at.isoformat() if expires_at else None,
        "scopes": [scope.value for scope in scopes] if scopes is not None else None,
    }
    await record_change(
        session, credential, actor=actor, action="credential.created", detail=detail
    )
    return credential


def key_scopes(scopes: Collection[Scope] | None) -> list[Scope] | None:
    """Scopes to store for a new key, in vocabulary order; None = every scope.

    An empty list is refused: a key that may do nothing is a mistake, not a policy."""
    if scopes is None:
        return None
    if not scopes:
        raise Invalid("empty-scopes", "a key needs at least one scope; omit scopes for all")
    return sorted_scopes(scopes)


async def revoke_key(
    *, core: RegistryCore, actor: str, credential_id: str, owner: str | None = None
) -> Credential:
    """Revoke a key; with `owner`, only that partner's own key (NotFound otherwise)."""
    if owner is not None:
        await _refuse_unless_owner(core, credential_id=credential_id, owner=owner)
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        credential = await keys_store.get_credential(session, credential_id)
        if credential is None or (owner is not None and credential.partner_id != owner):
            raise NotFound("key-not-found", "no such key")
        if credential.status is RevocableStatus.REVOKED:
            return credential
        now = datetime.now(UTC)
        credential = await store.save(
            session,
            credential,
            status=RevocableStatus.REVOKED,
            revoked_at=now,
            updated_at=now,
            sequence=sequence,
        )
        await record_change(
            session,
            credential,
            actor=actor,
            action="credential.revoked",
            detail={"partner_id": credential.partner_id},
        )
    core.wake()
    return credential


async def _refuse_unless_owner(core: RegistryCore, *, credential_id: str, owner: str) -> None:
    # A partner reaching for another partner's key is a refused authorisation: audit it.
    async with core.sessions() as session:
        credential = await keys_store.get_credential(session, credential_id)
    if credential is not None and credential.partner_id != owner:
        await record_refusal(
            core,
            action="access.refused",
            actor=owner,
            entity_id=credential_id,
            detail={"scope": "partner", "reason": "not-owner", "operation": "credential.revoke"},
        )
        raise NotFound("key-not-found", "no such key")


async def list_keys(*, core: RegistryCore, partner_id: str) -> list[Credential]:
    """A partner's keys (ids, status and dates; never a key)."""
    async with core.sessions() as session:
        await partner_or_404(session, partner_id)
        return await keys_store.list_credentials(session, partner_id=partner_id)


async def rotate_key(
    *,
    core: RegistryCore,
    actor: str,
    credential_id: str,
    grace: timedelta,
    owner: str | None = None,
    scopes: Collection[Scope] | None = None,
) -> tuple[IssuedKey, Credential]:
    """Issue a successor key; the old one expires after `grace` unless it expires sooner.

    The successor keeps the old key's scopes unless `scopes` names new ones."""
    chosen = key_scopes(scopes)
    key = generate_key()
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        old = await keys_store.get_credential(session, credential_id)
        if old is None or (owner is not None and old.partner_id != owner):
            raise NotFound("key-not-found", "no such key")
        now = datetime.now(UTC)
        if old.status is not RevocableStatus.ACTIVE:
            raise Conflict("key-revoked", "a revoked key cannot be rotated")
        if old.expires_at is not None and old.expires_at <= now:
            raise Conflict("key-expired", "an expired key cannot be rotated")
        deadline = now + grace
        if old.expires_at is not None and old.expires_at < deadline:
            deadline = old.expires_at
        old = await store.save(session, old, expires_at=deadline, updated_at=now, sequence=sequence)
        credential = await new_credential(
            session,
            actor=actor,
            partner_id=old.partner_id,
            key=key,
            expires_at=None,
            scopes=chosen if scopes is not None else old.scopes,
        )
        detail = {
            "partner_id": old.partner_id,
            "replaced_by": credential.credential_id,
            "expires_at": deadline.isoformat(),
        }
        await record_change(session, old, actor=actor, action="credential.rotated", detail=detail)
    core.wake()
    return IssuedKey(credential=credential, api_key=key.api_key), old
