"""Use cases on the audit log itself: verify the hash chain, announce the head, record refusals.

What the chain proves: no entry was edited, removed, inserted or reordered, and (through the
audit_head row) none was cut off the end. What it cannot prove on its own: someone able to
rewrite audit_head and every row after the change together can forge a consistent log. The
head hash logged at every start is the external anchor against that: compare it with a copy
kept elsewhere (log archive, SIEM).
"""

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_registry.audit import store as audit_store
from cvihub_registry.audit.chain import AuditHead, ChainVerifier, VerifyResult
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import UNKNOWN_ACTOR, AuditEntry
from cvihub_runtime.db import SessionFactory, transaction

log = structlog.get_logger(__name__)

_PAGE = 1000


async def verify_audit(*, core: RegistryCore) -> VerifyResult:
    """Check the whole audit chain against the head."""
    result = await verify_log(core.sessions)
    log.info(
        "audit chain verified",
        ok=result.ok,
        checked=result.checked,
        first_bad_id=result.first_bad_id,
    )
    return result


async def verify_log(sessions: SessionFactory) -> VerifyResult:
    """Check the chain while holding the head lock, so no append lands halfway through."""
    verifier = ChainVerifier()
    async with transaction(sessions) as session:
        head = await audit_store.lock_audit_head(session)
        after_id = 0
        while page := await audit_store.audit_page(session, after_id=after_id, limit=_PAGE):
            if not all(verifier.add(entry) for entry in page):
                break
            after_id = page[-1].id
    return verifier.result(head)


async def announce_head(*, core: RegistryCore) -> AuditHead | None:
    """Log the audit head at INFO: an anchor outside the database to compare later heads with."""
    async with core.sessions() as session:
        head = await audit_store.get_audit_head(session)
    log.info(
        "audit head at startup",
        last_id=head.last_id if head else None,
        last_hash=head.last_hash if head else None,
    )
    return head


async def record_refusal(
    core: RegistryCore, *, action: str, actor: str, entity_id: str | None, detail: dict[str, Any]
) -> None:
    """Audit a refused request in its own transaction: the request fails, the record stays."""
    async with transaction(core.sessions) as session:
        await audit_store.add_audit(
            session, actor=actor, action=action, entity_id=entity_id, detail=detail
        )


ACCESS_REFUSED = "access.refused"


async def append_service_refusal(
    *, session: AsyncSession, event: Event[AccessRefusedV1]
) -> AuditEntry:
    """Chain a refusal another service decided, in the caller's (inbox) transaction."""
    data = event.data
    detail: dict[str, Any] = {
        "service": data.service,
        "partner_id": data.partner_id,
        "credential_id": data.credential_id,
        "action": data.action,
        "resource": data.resource,
        "reason": data.reason,
        "status_code": data.status_code,
        "decided_at": data.decided_at.isoformat(),
        "count": data.count,
        "event_id": event.envelope.id,
    }
    if data.first_decided_at is not None:
        detail["first_decided_at"] = data.first_decided_at.isoformat()
    entry = await audit_store.add_audit(
        session,
        actor=f"service:{data.service}",
        action=ACCESS_REFUSED,
        entity_id=data.partner_id,
        detail=detail,
    )
    log.info(
        "service refusal audited",
        audit_id=entry.id,
        service=data.service,
        partner_id=data.partner_id,
        reason=data.reason,
        count=data.count,
    )
    return entry


async def audit_entries(
    *, core: RegistryCore, limit: int = 100, action: str | None = None
) -> list[AuditEntry]:
    """The newest audit entries first, optionally only those of one action."""
    async with core.sessions() as session:
        return await audit_store.list_audit(session, limit=limit, action=action)


async def record_auth_refusal(
    core: RegistryCore,
    *,
    scope: str,
    reason: str,
    path: str,
    actor: str = UNKNOWN_ACTOR,
    credential_id: str | None = None,
) -> None:
    """Audit a refused credential (auth.refused): a missing, unknown, revoked or expired key."""
    # Its own transaction: the request fails, the record of the refusal must stay.
    async with transaction(core.sessions) as session:
        await audit_store.add_audit(
            session,
            actor=actor,
            action="auth.refused",
            entity_id=credential_id,
            detail={"scope": scope, "reason": reason, "path": path},
        )
