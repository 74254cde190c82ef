"""HTTP routes: a partner looks up its own webhook deliveries."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Scope
from cvihub_notifications import service
from cvihub_notifications.schemas import AttemptOut, DeliveryDetail, DeliveryList, DeliveryOut
from cvihub_notifications.service import DeliveryStatus
from cvihub_registry_copy import Principal
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_registry_copy.web import Authenticator, require_scope
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.problems import Problem
from cvihub_runtime.web import session_dependency

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such delivery of yours."}}
UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown, revoked or expired API key."},
    403: {"description": "The API key lacks the scope deliveries:read (insufficient-scope)."},
}


def deliveries_router(
    *,
    sessions: SessionFactory,
    current_partner: Authenticator,
    recorder: RefusalRecorder | None = None,
) -> APIRouter:
    """Routes under /v1/deliveries; every one answers for the calling partner only."""
    router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"], responses=UNAUTHENTICATED)
    get_session = session_dependency(sessions)

    async def reader(
        principal: Annotated[
            Principal, Depends(require_scope(current_partner, Scope.DELIVERIES_READ))
        ],
    ) -> str:
        return principal.partner_id

    Partner = Annotated[str, Depends(reader)]
    Session = Annotated[AsyncSession, Depends(get_session)]

    @router.get("", summary="List your deliveries, newest first", response_model=DeliveryList)
    async def list_deliveries(
        partner_id: Partner,
        session: Session,
        event_id: Annotated[str | None, Query(max_length=64, description="One event.")] = None,
        status: Annotated[DeliveryStatus | None, Query(description="Only this status.")] = None,
        limit: Annotated[int, Query(ge=1, le=200, description="At most this many.")] = 50,
    ) -> DeliveryList:
        records = await service.partner_deliveries(
            session=session, partner_id=partner_id, event_id=event_id, status=status, limit=limit
        )
        return DeliveryList(items=[DeliveryOut.model_validate(asdict(r)) for r in records])

    @router.get(
        "/{delivery_id}",
        summary="One of your deliveries, with its attempts",
        response_model=DeliveryDetail,
        responses=NOT_FOUND,
    )
    async def get_delivery(
        request: Request, delivery_id: str, partner_id: Partner, session: Session
    ) -> DeliveryDetail:
        found = await service.partner_delivery(
            session=session, partner_id=partner_id, delivery_id=delivery_id
        )
        if found is None:
            # Another partner's delivery answers exactly like a missing one, but is audited.
            if recorder is not None and await service.is_someone_elses_delivery(
                session=session, delivery_id=delivery_id
            ):
                await record_request_refusal(
                    recorder, request, reason="not the recipient of this delivery", status_code=404
                )
            raise Problem(404, "not-found", "no such delivery")
        record, attempts = found
        return DeliveryDetail(
            **asdict(record), attempt_log=[AttemptOut.model_validate(asdict(a)) for a in attempts]
        )

    return router
