"""Authentication of administrators: the bootstrap token or a named administrator's key."""

from cvihub_registry.administrators.domain import AdminCaller, actor_of
from cvihub_registry.administrators.service import authenticate_admin
from cvihub_registry.audit.service import record_auth_refusal, record_refusal
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import UNKNOWN_ACTOR
from cvihub_registry.keys.tokens import credential_id_of


async def admin_caller(
    *, core: RegistryCore, token: str | None, admin_token: str
) -> AdminCaller | None:
    """Who the token names on the admin side (bootstrap token or a live admin key), or None;
    a mismatch is not audited (the caller may be a partner on a shared route)."""
    result = await authenticate_admin(core=core, token=token, bootstrap_token=admin_token)
    return result.caller


async def authorize_admin(
    *, core: RegistryCore, token: str | None, admin_token: str, path: str
) -> AdminCaller | None:
    """The admin caller this bearer token names, or None; refusals are audited."""
    result = await authenticate_admin(core=core, token=token, bootstrap_token=admin_token)
    if result.caller is not None:
        return result.caller
    credential_id = result.credential_id
    if credential_id is None and token is not None:
        credential_id = credential_id_of(token)
    await record_auth_refusal(
        core,
        scope="admin",
        reason=result.reason or "wrong-token",
        path=path,
        # Only a genuine key names its holder; a wrong secret proves nothing about the sender.
        actor=actor_of(result.admin_id) if result.admin_id else UNKNOWN_ACTOR,
        credential_id=credential_id,
    )
    return None


async def refuse_admin_role(*, core: RegistryCore, caller: AdminCaller, path: str) -> None:
    """Audit an administrator's request their role does not allow (an auditor's change)."""
    await record_refusal(
        core,
        action="access.refused",
        actor=caller.actor,
        entity_id=caller.credential_id,
        detail={
            "scope": "admin",
            "reason": "insufficient-role",
            "role": caller.role.value,
            "path": path,
        },
    )
