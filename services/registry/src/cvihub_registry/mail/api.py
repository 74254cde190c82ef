"""The hub admin's view of the mail outbox: what was queued, sent or given up."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import ADMIN_ERRORS, admin_guard
from cvihub_registry.mail import service as mail_service
from cvihub_registry.mail.schemas import MailOut
from cvihub_runtime.edges import api_router


def admin_mail_router(core: RegistryCore, admin_token: str, *, reveal_bodies: bool) -> APIRouter:
    """GET /v1/admin/mail-outbox; bodies only with `reveal_bodies` (no SMTP relay: dev)."""
    router = api_router(
        prefix="/v1/admin",
        tags=["admin"],
        # A revealed body holds a live sign-in code: for admins only, never auditors.
        dependencies=[Depends(admin_guard(core, admin_token, auditors=not reveal_bodies))],
        responses=ADMIN_ERRORS,
    )

    @router.get(
        "/mail-outbox",
        summary="The registry's mail and its delivery status, newest first",
        description="Without an SMTP relay (REGISTRY_SMTP_URL unset, as under `./hub up`) mail "
        "is never sent and this is where a developer reads sign-in codes. With a relay, bodies "
        "are never shown: a live code belongs only in its owner's mailbox.",
    )
    async def mail_outbox(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[MailOut]:
        messages = await mail_service.mail_outbox(
            core=core, limit=limit, reveal_bodies=reveal_bodies
        )
        return [MailOut.model_validate(m) for m in messages]

    return router
