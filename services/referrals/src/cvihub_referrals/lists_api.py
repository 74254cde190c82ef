"""The two desks: GET /v1/referrals/inbox (the recipient's) and /v1/referrals/sent (the
referrer's), filtered, with deadlines and response times."""

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from cvihub_contracts import Scope
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus
from cvihub_contracts.referral.submitted_v1 import Urgency
from cvihub_referrals import lists
from cvihub_referrals.api import partner_with
from cvihub_referrals.schemas import InboxItem, SentItem
from cvihub_referrals.service_levels import ServiceLevel
from cvihub_registry_copy.web import PartnerDeps
from cvihub_runtime.edges import api_router

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown API key"},
    403: {"description": "The API key lacks the scope referrals:read (insufficient-scope)"},
}


class Relation(StrEnum):
    """Which referrals of the inbox."""

    OWNED = "owned"
    OFFERED = "offered"


def lists_router(deps: PartnerDeps, *, levels: dict[str, ServiceLevel]) -> APIRouter:
    """Routes of the inbox and the sent list; included before /v1/referrals/{referral_id}."""
    router = api_router(prefix="/v1/referrals", tags=["referrals"])
    Reader = Annotated[str, Depends(partner_with(deps, Scope.REFERRALS_READ))]
    StatusQuery = Annotated[ReferralStatus | None, Query(description="Only this status")]
    UrgencyQuery = Annotated[Urgency | None, Query(description="Only this urgency")]
    OverdueQuery = Annotated[
        bool | None, Query(description="true: only overdue; false: only on time")
    ]
    RelationQuery = Annotated[
        Relation | None, Query(description="owned or offered; both when omitted")
    ]
    Limit = Annotated[int, Query(ge=1, le=500, description="Among the newest this many")]

    async def listing(
        partner_id: str,
        *,
        sent: bool,
        status: ReferralStatus | None,
        urgency: Urgency | None,
        overdue: bool | None,
        limit: int,
        relation: Relation | None = None,
    ) -> list[lists.Listed]:
        return await lists.listing(
            sessions=deps.sessions,
            partner_id=partner_id,
            sent=sent,
            levels=levels,
            status=status.value if status else None,
            urgency=urgency.value if urgency else None,
            overdue=overdue,
            relation=relation.value if relation else None,
            limit=limit,
        )

    @router.get("/inbox", summary="Your inbox", response_model=list[InboxItem], responses=_ERRORS)
    async def inbox(
        partner_id: Reader,
        status: StatusQuery = None,
        urgency: UrgencyQuery = None,
        overdue: OverdueQuery = None,
        relation: RelationQuery = None,
        limit: Limit = 100,
    ) -> list[InboxItem]:
        """Referrals addressed to or offered to your organisation, newest first, with their
        deadlines."""
        found = await listing(
            partner_id,
            sent=False,
            status=status,
            urgency=urgency,
            overdue=overdue,
            limit=limit,
            relation=relation,
        )
        return [InboxItem.of_listed(item) for item in found]

    @router.get(
        "/sent", summary="Referrals you sent", response_model=list[SentItem], responses=_ERRORS
    )
    async def sent(
        partner_id: Reader,
        status: StatusQuery = None,
        urgency: UrgencyQuery = None,
        overdue: OverdueQuery = None,
        limit: Limit = 100,
    ) -> list[SentItem]:
        """Referrals you sent, newest first: status, time to acceptance and to first contact,
        and whether one is overdue."""
        found = await listing(
            partner_id, sent=True, status=status, urgency=urgency, overdue=overdue, limit=limit
        )
        return [SentItem.of_listed(item) for item in found]

    return router
