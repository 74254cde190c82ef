"""HTTP routes of a partner's endpoints: their state here, and the way back from dead letters
(recover every failed delivery since a time, re-enable an endpoint a 410 disabled)."""

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications import endpoints
from cvihub_notifications.deps import PartnerDeps, manager, reader
from cvihub_notifications.schemas import EndpointOut, RecoveredOut
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_runtime.db import transaction
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem
from cvihub_runtime.web import session_dependency

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown, revoked or expired API key."},
    403: {"description": "The API key lacks the scope the route needs (insufficient-scope)."},
    404: {"description": "No such endpoint of yours."},
}
Since = Annotated[
    datetime | None,
    Query(
        description="Recover deliveries planned or attempted since this time (timezone-aware). "
        "Default: since the endpoint began failing or was disabled, else the last 14 days."
    ),
]


def endpoints_router(deps: PartnerDeps) -> APIRouter:
    """Routes under /v1/endpoints; every one answers for the calling partner only."""
    router = api_router(prefix="/v1/endpoints", tags=["endpoints"], responses=ERRORS)
    Reader = Annotated[str, Depends(reader(deps))]
    Manager = Annotated[str, Depends(manager(deps))]
    Session = Annotated[AsyncSession, Depends(session_dependency(deps.sessions))]

    async def not_yours(request: Request, partner_id: str, subscription_id: str) -> Problem:
        # Another partner's endpoint answers exactly like a missing one, but is audited.
        async with deps.sessions() as session:
            theirs = await endpoints.is_someone_elses_endpoint(
                session=session, partner_id=partner_id, subscription_id=subscription_id
            )
        if theirs:
            await record_request_refusal(
                deps.recorder, request, reason="not the owner of this endpoint", status_code=404
            )
        return Problem(404, "not-found", "no such endpoint")

    def aware(since: datetime | None) -> datetime | None:
        if since is not None and since.tzinfo is None:
            raise Problem(422, "validation-error", "since needs a time zone (e.g. Z)")
        return since

    @router.get("/{subscription_id}", summary="One of your endpoints", response_model=EndpointOut)
    async def get_endpoint(
        request: Request, subscription_id: str, partner_id: Reader, session: Session
    ) -> EndpointOut:
        found = await endpoints.endpoint(
            session=session, partner_id=partner_id, subscription_id=subscription_id
        )
        if found is None:
            raise await not_yours(request, partner_id, subscription_id)
        return EndpointOut.model_validate(asdict(found))

    async def requeue(
        action: Callable[..., Awaitable[Any]],
        request: Request,
        subscription_id: str,
        partner_id: str,
        since: datetime | None,
    ) -> RecoveredOut:
        """Recover or enable in one transaction; another partner's endpoint is a 404."""
        async with transaction(deps.sessions) as session:
            done = await action(
                session=session,
                partner_id=partner_id,
                subscription_id=subscription_id,
                since=aware(since),
            )
        if done is None:
            raise await not_yours(request, partner_id, subscription_id)
        deps.on_committed()
        return RecoveredOut.model_validate(asdict(done))

    @router.post(
        "/{subscription_id}/recover",
        summary="Recover your endpoint's failed deliveries since a time",
        description="Every dead letter (failed delivery) of the endpoint planned since `since` "
        "goes back in the queue, due now, and is checked again before it is sent.",
        response_model=RecoveredOut,
    )
    async def recover(
        request: Request, subscription_id: str, partner_id: Manager, since: Since = None
    ) -> RecoveredOut:
        return await requeue(endpoints.recover, request, subscription_id, partner_id, since)

    @router.post(
        "/{subscription_id}/enable",
        summary="Re-enable your endpoint and recover what it missed",
        description="Clears a disabling (410 Gone, or failing too long) and recovers what it "
        "missed: the deliveries that failed since it began failing (or since `since`) and those "
        "closed while it was off. Idempotent.",
        response_model=RecoveredOut,
    )
    async def enable(
        request: Request, subscription_id: str, partner_id: Manager, since: Since = None
    ) -> RecoveredOut:
        return await requeue(endpoints.enable, request, subscription_id, partner_id, since)

    return router
