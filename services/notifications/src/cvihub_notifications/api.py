"""HTTP routes: a partner looks up its own deliveries (failed ones are the dead letters) and
resends one."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications import endpoints, service
from cvihub_notifications.deps import PartnerDeps, manager, reader
from cvihub_notifications.endpoints import NotResendable
from cvihub_notifications.models import DeliveryStatus
from cvihub_notifications.schemas import AttemptOut, DeliveryDetail, DeliveryList, DeliveryOut
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_runtime.db import transaction
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem
from cvihub_runtime.web import session_dependency

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such delivery of yours."}}
UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown, revoked or expired API key."},
    403: {"description": "The API key lacks the scope deliveries:read (insufficient-scope)."},
}


def deliveries_router(deps: PartnerDeps) -> APIRouter:
    """Routes under /v1/deliveries; every one answers for the calling partner only."""
    router = api_router(prefix="/v1/deliveries", tags=["deliveries"], responses=UNAUTHENTICATED)
    Partner = Annotated[str, Depends(reader(deps))]
    Manager = Annotated[str, Depends(manager(deps))]
    Session = Annotated[AsyncSession, Depends(session_dependency(deps.sessions))]

    async def not_yours(request: Request, session: AsyncSession, delivery_id: str) -> Problem:
        # Another partner's delivery answers exactly like a missing one, but is audited.
        if await service.is_someone_elses_delivery(session=session, delivery_id=delivery_id):
            await record_request_refusal(
                deps.recorder, request, reason="not the recipient of this delivery", status_code=404
            )
        return Problem(404, "not-found", "no such delivery")

    @router.get("", summary="List your deliveries, newest first", response_model=DeliveryList)
    async def list_deliveries(
        partner_id: Partner,
        session: Session,
        event_id: Annotated[str | None, Query(max_length=64, description="One event.")] = None,
        status: Annotated[
            DeliveryStatus | None,
            Query(description="Only this status; `failed` lists the dead letters."),
        ] = None,
        subscription_id: Annotated[
            str | None, Query(max_length=64, description="Only this endpoint's.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200, description="At most this many.")] = 50,
    ) -> DeliveryList:
        records = await service.partner_deliveries(
            session=session,
            partner_id=partner_id,
            event_id=event_id,
            status=status,
            subscription_id=subscription_id,
            limit=limit,
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
            raise await not_yours(request, session, delivery_id)
        record, attempts = found
        return DeliveryDetail(
            **asdict(record), attempt_log=[AttemptOut.model_validate(asdict(a)) for a in attempts]
        )

    @router.post(
        "/{delivery_id}/resend",
        summary="Resend one of your deliveries",
        description="A failed (dead letter) or delivered delivery goes back in the queue, due "
        "now, with the same webhook-id (receivers dedupe by it); checked again before it is "
        "sent. 409 while it is pending, or for an inbox item.",
        response_model=DeliveryOut,
        responses={**NOT_FOUND, 409: {"description": "Pending, or an inbox item."}},
    )
    async def resend(request: Request, delivery_id: str, partner_id: Manager) -> DeliveryOut:
        try:
            async with transaction(deps.sessions) as session:
                record = await endpoints.resend(
                    session=session, partner_id=partner_id, delivery_id=delivery_id
                )
        except NotResendable as exc:
            raise Problem(409, "not-resendable", f"a {exc} delivery is not resent") from None
        if record is None:
            # Decided after the transaction (see inbox_api's mark_read: SQLite's write lock).
            async with deps.sessions() as session:
                raise await not_yours(request, session, delivery_id)
        deps.on_committed()
        return DeliveryOut.model_validate(asdict(record))

    return router
