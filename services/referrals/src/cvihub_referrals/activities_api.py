"""The recipient's record of its work on a referral: attempts, services delivered, case notes."""

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from cvihub_contracts import Scope
from cvihub_referrals import activities, service
from cvihub_referrals.api import not_found_problem, partner_with
from cvihub_referrals.schemas import AttemptRequest, NoteRequest, ReferralDetail, ServiceRequest
from cvihub_registry_copy.web import PartnerDeps
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown API key"},
    403: {
        "description": "The API key lacks the scope referrals:update (insufficient-scope), "
        "or you are the referrer, not the recipient (forbidden)"
    },
    404: {"description": "No such referral, or you are no party to it"},
    409: {"description": "The referral's status does not allow this record (not-recordable)"},
    422: {"description": "Invalid body, or a time in the future (time-in-future, names it)"},
}


def activities_router(deps: PartnerDeps, *, skew: timedelta) -> APIRouter:
    """Routes of /v1/referrals/{id}/attempts, /services and /notes, for the recipient."""
    router = api_router(prefix="/v1/referrals", tags=["referrals"])
    Updater = Annotated[str, Depends(partner_with(deps, Scope.REFERRALS_UPDATE))]

    async def record(
        request: Request,
        referral_id: UUID,
        partner_id: str,
        entry: activities.Attempt | activities.ServiceDelivered | None,
        note: str | None,
    ) -> ReferralDetail:
        try:
            view = await activities.record_activity(
                sessions=deps.sessions,
                referral_id=str(referral_id),
                partner_id=partner_id,
                entry=entry,
                note=note,
                skew=skew,
                on_committed=deps.on_committed,
            )
        except service.ReferralNotFound as exc:
            raise await not_found_problem(deps, request, exc) from exc
        except activities.NotTheRecipient as exc:
            raise Problem(
                403, "forbidden", "only the recipient records its work on a referral"
            ) from exc
        except activities.NotRecordable as exc:
            raise Problem(
                409, "not-recordable", str(exc), referral_status=exc.status.value
            ) from exc
        except activities.InTheFuture as exc:
            raise Problem(
                422,
                "time-in-future",
                str(exc),
                errors=[
                    {"pointer": f"#/{exc.field}", "detail": str(exc), "code": "time-in-future"}
                ],
            ) from exc
        return ReferralDetail.of_view(view)

    @router.post(
        "/{referral_id}/attempts",
        summary="Record a contact attempt",
        response_model=ReferralDetail,
        responses=_ERRORS,
    )
    async def add_attempt(
        request: Request, referral_id: UUID, partner_id: Updater, body: AttemptRequest
    ) -> ReferralDetail:
        """When, how and with what outcome you tried to reach the person; the referrer sees it
        as a status event (without your note)."""
        entry = activities.Attempt(body.occurred_at, body.method, body.outcome)
        return await record(request, referral_id, partner_id, entry, body.note)

    @router.post(
        "/{referral_id}/services",
        summary="Record a service delivered",
        response_model=ReferralDetail,
        responses=_ERRORS,
    )
    async def add_service(
        request: Request, referral_id: UUID, partner_id: Updater, body: ServiceRequest
    ) -> ReferralDetail:
        """Which service you delivered and when; the referrer sees it (without your note)."""
        entry = activities.ServiceDelivered(body.service_type, body.service_date)
        return await record(request, referral_id, partner_id, entry, body.note)

    @router.post(
        "/{referral_id}/notes",
        summary="Add a case note",
        response_model=ReferralDetail,
        responses=_ERRORS,
    )
    async def add_note(
        request: Request, referral_id: UUID, partner_id: Updater, body: NoteRequest
    ) -> ReferralDetail:
        """A note only your organisation reads; it travels in no event."""
        return await record(request, referral_id, partner_id, None, body.note)

    return router
