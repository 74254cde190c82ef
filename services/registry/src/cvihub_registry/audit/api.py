"""HTTP routes of the audit log: read it, verify its chain."""

from typing import Annotated

from fastapi import APIRouter, Query

from cvihub_registry.audit import service as audit_service
from cvihub_registry.audit.schemas import AuditEntryOut, AuditVerification
from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import admin_only
from cvihub_runtime.edges import api_router


def admin_audit_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """The operators read the audit log and verify its hash chain."""
    router = api_router(**admin_only(core, admin_token))

    @router.get("/audit", summary="The audit log, newest first")
    async def audit(
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        action: Annotated[
            str | None,
            Query(
                max_length=64,
                description='Only entries of this action, e.g. "access.refused" (every refusal).',
            ),
        ] = None,
    ) -> list[AuditEntryOut]:
        entries = await audit_service.audit_entries(core=core, limit=limit, action=action)
        return [AuditEntryOut.model_validate(e) for e in entries]

    @router.get(
        "/audit/verify",
        summary="Verify the audit log's hash chain",
        description=(
            "Recomputes every entry's hash, checks each links to the one before and that the "
            "log ends at the audit head. Holds the append lock while it reads."
        ),
    )
    async def verify_audit() -> AuditVerification:
        return AuditVerification.model_validate(await audit_service.verify_audit(core=core))

    return router
