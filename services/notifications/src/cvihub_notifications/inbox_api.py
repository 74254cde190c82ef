"""HTTP routes of the web inbox: a partner reads the events its inbox subscriptions received."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications import service
from cvihub_notifications.deps import PartnerDeps, reader
from cvihub_notifications.schemas import InboxItemOut, InboxPageOut
from cvihub_notifications.service import BadCursor, InboxItem
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_runtime.db import transaction
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem
from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.web import session_dependency

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such inbox item of yours."}}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown, revoked or expired API key."},
    403: {"description": "The API key lacks the scope deliveries:read (insufficient-scope)."},
}


def _out(item: InboxItem) -> InboxItemOut:
    return InboxItemOut.model_validate(asdict(item))


def inbox_router(deps: PartnerDeps, *, box: SecretBox) -> APIRouter:
    """Routes under /v1/inbox; every one answers for the calling partner only."""
    router = api_router(prefix="/v1/inbox", tags=["inbox"], responses=ERRORS)
    sessions = deps.sessions
    Partner = Annotated[str, Depends(reader(deps))]
    Session = Annotated[AsyncSession, Depends(session_dependency(sessions))]

    async def not_yours(
        request: Request, session: AsyncSession, partner_id: str, item_id: str
    ) -> Problem:
        # Another partner's item answers exactly like a missing one, but is audited.
        if await service.is_someone_elses_item(
            session=session, partner_id=partner_id, item_id=item_id
        ):
            await record_request_refusal(
                deps.recorder, request, reason="not the owner of this inbox item", status_code=404
            )
        return Problem(404, "not-found", "no such inbox item")

    @router.get(
        "",
        summary="Your inbox, newest first",
        response_model=InboxPageOut,
        responses={422: {"description": "Bad limit or cursor (problem+json)."}},
    )
    async def list_inbox(
        partner_id: Partner,
        session: Session,
        limit: Annotated[int, Query(ge=1, le=200, description="At most this many.")] = 50,
        cursor: Annotated[
            str | None, Query(max_length=400, description="next_cursor of the previous page.")
        ] = None,
        unread: Annotated[bool, Query(description="Only items not marked read.")] = False,
    ) -> InboxPageOut:
        try:
            page = await service.inbox_page(
                session=session,
                box=box,
                partner_id=partner_id,
                limit=limit,
                cursor=cursor,
                unread_only=unread,
            )
        except BadCursor:
            raise Problem(422, "invalid-cursor", "the cursor is not one this inbox gave") from None
        return InboxPageOut(items=[_out(i) for i in page.items], next_cursor=page.next_cursor)

    @router.get(
        "/{item_id}",
        summary="One of your inbox items",
        response_model=InboxItemOut,
        responses=NOT_FOUND,
    )
    async def get_item(
        request: Request, item_id: str, partner_id: Partner, session: Session
    ) -> InboxItemOut:
        found = await service.inbox_item(
            session=session, box=box, partner_id=partner_id, item_id=item_id
        )
        if found is None:
            raise await not_yours(request, session, partner_id, item_id)
        return _out(found)

    @router.post(
        "/{item_id}/read",
        summary="Mark one of your inbox items read",
        description="Idempotent: the time of the first call stays.",
        response_model=InboxItemOut,
        responses=NOT_FOUND,
    )
    async def mark_read(request: Request, item_id: str, partner_id: Partner) -> InboxItemOut:
        async with transaction(sessions) as session:
            found = await service.mark_inbox_item_read(
                session=session, box=box, partner_id=partner_id, item_id=item_id
            )
        if found is None:
            # Decided after the transaction, not in it: on SQLite the UPDATE's write lock (taken
            # even when it matches nothing) would block the refusal's own transaction for the
            # 30 s busy timeout, and then the audit record would be lost.
            async with sessions() as session:
                raise await not_yours(request, session, partner_id, item_id)
        return _out(found)

    return router
