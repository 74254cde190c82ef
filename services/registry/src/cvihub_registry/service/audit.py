"""Use cases on the audit log itself: verify the hash chain, announce the head, record refusals.

What the chain proves: no entry was edited, removed, inserted or reordered, and (through the
audit_head row) none was cut off the end. What it cannot prove on its own: someone able to
rewrite audit_head and every row after the change together can forge a consistent log. The
head hash logged at every start is the external anchor against that: compare it with a copy
kept elsewhere (log archive, SIEM).
"""

from typing import Any

import structlog

from cvihub_registry import store
from cvihub_registry.chain import AuditHead, ChainVerifier, VerifyResult
from cvihub_registry.service.core import RegistryCore
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
        head = await store.lock_audit_head(session)
        after_id = 0
        while page := await store.audit_page(session, after_id=after_id, limit=_PAGE):
            if not all(verifier.add(entry) for entry in page):
                break
            after_id = page[-1].id
    return verifier.result(head)


async def announce_head(*, core: RegistryCore) -> AuditHead | None:
    """Log the audit head at INFO: an anchor outside the database to compare later heads with."""
    async with core.sessions() as session:
        head = await store.get_audit_head(session)
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
        await store.add_audit(
            session, actor=actor, action=action, entity_id=entity_id, detail=detail
        )
