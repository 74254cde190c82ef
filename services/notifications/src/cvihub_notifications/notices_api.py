"""HTTP routes of operational notices: a partner's own (GET /v1/notices), and every partner's
for the hub admin (GET /v1/admin/notices, with the admin token)."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications import notices
from cvihub_notifications.deps import PartnerDeps, reader
from cvihub_notifications.notice_store import NoticeRecord
from cvihub_notifications.schemas import NoticeList, NoticeOut
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_runtime.admin import ADMIN_PREFIX, admin_guard
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem
from cvihub_runtime.web import session_dependency

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown, revoked or expired API key."},
    403: {"description": "The API key lacks the scope deliveries:read (insufficient-scope)."},
}
Limit = Annotated[int, Query(ge=1, le=200, description="At most this many.")]
Before = Annotated[
    str | None, Query(max_length=36, description="Only notices older than this one (paging).")
]


def _listed(records: list[NoticeRecord]) -> NoticeList:
    return NoticeList(items=[NoticeOut.model_validate(asdict(r)) for r in records])


def notices_router(deps: PartnerDeps) -> APIRouter:
    """Routes under /v1/notices; every one answers for the calling partner only."""
    router = api_router(prefix="/v1/notices", tags=["notices"], responses=ERRORS)
    Reader = Annotated[str, Depends(reader(deps))]
    Session = Annotated[AsyncSession, Depends(session_dependency(deps.sessions))]

    @router.get(
        "",
        summary="Your operational notices, newest first",
        description="A delivery given up (attempt-exhausted) or an endpoint disabled "
        "(endpoint-disabled); each is also mailed to your contact address.",
        response_model=NoticeList,
    )
    async def list_notices(
        partner_id: Reader, session: Session, limit: Limit = 50, before: Before = None
    ) -> NoticeList:
        return _listed(
            await notices.listed(session=session, partner_id=partner_id, before=before, limit=limit)
        )

    @router.get(
        "/{notice_id}",
        summary="One of your notices",
        response_model=NoticeOut,
        responses={404: {"description": "No such notice of yours."}},
    )
    async def get_notice(
        request: Request, notice_id: str, partner_id: Reader, session: Session
    ) -> NoticeOut:
        found = await notices.notice(session=session, notice_id=notice_id)
        if found is None or found.partner_id != partner_id:
            if found is not None:  # another partner's answers like a missing one, audited
                await record_request_refusal(
                    deps.recorder, request, reason="not the partner of this notice", status_code=404
                )
            raise Problem(404, "not-found", "no such notice")
        return NoticeOut.model_validate(asdict(found))

    return router


def admin_notices_router(deps: PartnerDeps, admin_token: str | None) -> APIRouter:
    """GET /v1/admin/notices: every partner's notices, for the hub admin's token only."""
    router = api_router(
        prefix=ADMIN_PREFIX,
        tags=["admin"],
        dependencies=[Depends(admin_guard(admin_token))],
        responses={401: {"description": "Missing or wrong admin token."}},
    )
    Session = Annotated[AsyncSession, Depends(session_dependency(deps.sessions))]

    @router.get(
        "/notices",
        summary="Every partner's operational notices, newest first",
        response_model=NoticeList,
    )
    async def list_all_notices(
        session: Session,
        limit: Limit = 50,
        before: Before = None,
        partner_id: Annotated[
            str | None, Query(max_length=64, description="Only this partner's.")
        ] = None,
    ) -> NoticeList:
        return _listed(
            await notices.listed(session=session, partner_id=partner_id, before=before, limit=limit)
        )

    return router
