"""GET /v1/aggregates: counts and response times for dashboards and funders, never a person."""

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field

from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_referrals import aggregates
from cvihub_referrals.models import registry_copy
from cvihub_referrals.service_levels import ServiceLevel
from cvihub_registry_copy import Principal
from cvihub_registry_copy.web import PartnerDeps
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem


class DurationsOut(BaseModel):
    """Time to a milestone; null where fewer than 11 referrals would be shown."""

    count: int | None
    median_seconds: float | None
    distribution: dict[str, int | None]


class AggregatesOut(BaseModel):
    """Aggregates of the referrals submitted in [since, until)."""

    since: datetime
    until: datetime
    scope: str = Field(description="network (a funder) or your organisation's own referrals.")
    by_organisation: dict[str, dict[str, int | None]] = Field(
        description="Per recipient organisation: a count per status, overdue and total; null "
        "= suppressed (1 to 10, or a second cell that would give one away)."
    )
    time_to_acceptance: DurationsOut
    time_to_first_contact: DurationsOut


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown API key"},
    403: {"description": "Your organisation is not active in the registry (forbidden)"},
    422: {"description": "since after until, or a time without a zone"},
}


def aggregates_router(deps: PartnerDeps, *, levels: dict[str, ServiceLevel]) -> APIRouter:
    """The aggregates route: a funder reads the network's, any other partner its own."""
    router = api_router(prefix="/v1", tags=["aggregates"])

    @router.get(
        "/aggregates",
        summary="Referral aggregates",
        response_model=AggregatesOut,
        responses=_ERRORS,
    )
    async def read_aggregates(
        principal: Annotated[Principal, Depends(deps.current_partner)],
        since: Annotated[
            AwareDatetime | None, Query(description="From (default: 30 days ago)")
        ] = None,
        until: Annotated[AwareDatetime | None, Query(description="Until (default: now)")] = None,
    ) -> AggregatesOut:
        """Counts by status and organisation, time to acceptance and to first contact, overdue
        counts: the network's for a funder, your own organisation's for anyone else."""
        now = datetime.now(UTC)
        end = until or now
        start = since or end - timedelta(days=30)
        if start >= end:
            raise Problem(
                422,
                "invalid-period",
                "since must be before until",
                errors=[
                    {
                        "pointer": "#/since",
                        "detail": "since must be before until",
                        "code": "invalid-period",
                    }
                ],
            )
        async with deps.sessions() as session:
            kind = await registry_copy.active_partner_kind(session, principal.partner_id)
        if kind is None:
            raise Problem(403, "forbidden", "your organisation is not active in the registry")
        funder = kind == PartnerKind.FUNDER.value
        found = await aggregates.compute(
            sessions=deps.sessions,
            levels=levels,
            since=start,
            until=end,
            now=now,
            organisations=None if funder else {principal.partner_id},
        )
        return AggregatesOut(
            since=found.since,
            until=found.until,
            scope="network" if funder else "own",
            by_organisation=found.by_organisation,
            time_to_acceptance=DurationsOut(**asdict(found.time_to_acceptance)),
            time_to_first_contact=DurationsOut(**asdict(found.time_to_first_contact)),
        )

    return router
