"""Key rotation: a new key now, the old one kept for a grace period, then refused everywhere."""

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from cvihub_contracts import Scope
from cvihub_registry import store
from cvihub_registry.domain import Conflict, Credential, IssuedKey, NotFound, RevocableStatus
from cvihub_registry.keys import generate_key
from cvihub_registry.service.core import RegistryCore, record_change
from cvihub_registry.service.partners import key_scopes, new_credential
from cvihub_runtime.db import transaction


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
        old = await store.get_credential(session, credential_id)
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
