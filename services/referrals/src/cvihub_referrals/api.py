"""The referrals HTTP API: thin routes over the use cases in service.py."""

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from cvihub_contracts import Scope
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus, StatusReason
from cvihub_referrals import service
from cvihub_referrals.schemas import (
    AcceptRequest,
    DeclineRequest,
    ReferralDetail,
    ReferralSummary,
    StatusChangeRequest,
)
from cvihub_registry_copy import Principal
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_registry_copy.web import PartnerDeps
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem


class RoleFilter(StrEnum):
    """Which of the caller's referrals to list."""

    SENT = "sent"
    RECEIVED = "received"


_ROLES = {RoleFilter.SENT: service.Role.REFERRER, RoleFilter.RECEIVED: service.Role.RECIPIENT}

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown API key"},
    403: {"description": "The API key lacks the scope referrals:read (insufficient-scope)"},
    404: {"description": "No such referral, or you are no party to it"},
}
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    403: {
        "description": "The API key lacks the scope referrals:update (insufficient-scope), "
        "or only the other party may make this change (forbidden)"
    },
    409: {"description": "Not a move of the referral's life cycle, or a concurrent change"},
}


def partner_with(deps: PartnerDeps, scope: Scope) -> Callable[..., Awaitable[str]]:
    """A dependency: the calling partner's id, its key holding `scope`."""

    async def scoped_partner(
        principal: Annotated[Principal, Depends(deps.scoped(scope))],
    ) -> str:
        return principal.partner_id

    return scoped_partner


async def not_found_problem(
    deps: PartnerDeps, request: Request, exc: service.ReferralNotFound
) -> Problem:
    """The 404 problem; someone else's referral answers like a missing one, but is audited."""
    if isinstance(exc, service.NotAParty):
        await record_request_refusal(
            deps.recorder, request, reason="not a party to this referral", status_code=404
        )
    return _not_found()


def referrals_router(deps: PartnerDeps) -> APIRouter:
    """Routes of /v1/referrals for the referring and the recipient partner."""
    router = api_router(prefix="/v1/referrals", tags=["referrals"])
    sessions, on_committed = deps.sessions, deps.on_committed

    Reader = Annotated[str, Depends(partner_with(deps, Scope.REFERRALS_READ))]
    Updater = Annotated[str, Depends(partner_with(deps, Scope.REFERRALS_UPDATE))]

    async def not_found(request: Request, exc: service.ReferralNotFound) -> Problem:
        return await not_found_problem(deps, request, exc)

    async def change(
        request: Request,
        referral_id: UUID,
        partner_id: str,
        target: ReferralStatus,
        reason: StatusReason,
        note: str | None,
    ) -> ReferralDetail:
        try:
            view = await service.change_status(
                sessions=sessions,
                referral_id=str(referral_id),
                partner_id=partner_id,
                target=target,
                reason=reason,
                note=note,
                on_committed=on_committed,
            )
        except service.ReferralNotFound as exc:
            raise await not_found(request, exc) from exc
        except service.InvalidTransition as exc:
            # "from" is a keyword, so the extension members go in as a dict.
            extensions: dict[str, Any] = {"from": exc.current.value, "to": exc.target.value}
            raise Problem(409, "invalid-transition", str(exc), **extensions) from exc
        except service.TransitionForbidden as exc:
            raise Problem(
                403,
                "forbidden",
                str(exc),
                required_role=exc.required.value,
                allowed_roles=sorted(role.value for role in exc.allowed),
            ) from exc
        except service.ConcurrentChange as exc:
            raise Problem(
                409, "concurrent-change", "the referral changed meanwhile; read it and retry"
            ) from exc
        return ReferralDetail.of_view(view)

    @router.get(
        "",
        summary="List your referrals",
        response_model=list[ReferralSummary],
        responses={401: _ERRORS[401], 403: _ERRORS[403]},
    )
    async def list_referrals(
        partner_id: Reader,
        role: Annotated[
            RoleFilter | None, Query(description="sent or received; both when omitted")
        ] = None,
        status: Annotated[ReferralStatus | None, Query(description="Only this status")] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="At most this many")] = 100,
    ) -> list[ReferralSummary]:
        """Referrals you sent or received, newest first."""
        records = await service.list_referrals(
            sessions=sessions,
            partner_id=partner_id,
            role=_ROLES[role] if role is not None else None,
            status=status,
            limit=limit,
        )
        return [ReferralSummary.of(record) for record in records]

    @router.get(
        "/{referral_id}",
        summary="Read one referral",
        response_model=ReferralDetail,
        responses=_ERRORS,
    )
    async def get_referral(
        request: Request, referral_id: UUID, partner_id: Reader
    ) -> ReferralDetail:
        """The referral as submitted, its status and history; only for its two parties."""
        try:
            view = await service.get_referral(
                sessions=sessions, referral_id=str(referral_id), partner_id=partner_id
            )
        except service.ReferralNotFound as exc:
            raise await not_found(request, exc) from exc
        return ReferralDetail.of_view(view)

    @router.post(
        "/{referral_id}/accept",
        summary="Accept a referral addressed to you",
        response_model=ReferralDetail,
        responses=_CHANGE_ERRORS,
    )
    async def accept(
        request: Request,
        referral_id: UUID,
        partner_id: Updater,
        body: AcceptRequest | None = None,
    ) -> ReferralDetail:
        """requested -> accepted, by the recipient (reason `eligible` unless given)."""
        body = body or AcceptRequest()
        return await change(
            request, referral_id, partner_id, ReferralStatus.ACCEPTED, body.reason, body.note
        )

    @router.post(
        "/{referral_id}/decline",
        summary="Decline a referral addressed to you",
        response_model=ReferralDetail,
        responses=_CHANGE_ERRORS,
    )
    async def decline(
        request: Request, referral_id: UUID, partner_id: Updater, body: DeclineRequest
    ) -> ReferralDetail:
        """requested -> rejected, by the recipient, with a reason and a note."""
        return await change(
            request, referral_id, partner_id, ReferralStatus.REJECTED, body.reason, body.note
        )

    @router.post(
        "/{referral_id}/status",
        summary="Move a referral to another status",
        response_model=ReferralDetail,
        responses=_CHANGE_ERRORS,
    )
    async def set_status(
        request: Request, referral_id: UUID, partner_id: Updater, body: StatusChangeRequest
    ) -> ReferralDetail:
        """Any move of the Gravity referral Task life cycle that your role may make: the
        referrer sets entered-in-error, the recipient accepted, rejected, in-progress, on-hold,
        failed and completed, either canceled; each with a reason code and a note."""
        return await change(request, referral_id, partner_id, body.status, body.reason, body.note)

    return router


def _not_found() -> Problem:
    return Problem(404, "not-found", "no such referral")
