"""Intake's admin API: replay. Guarded by the operator's admin token (INTAKE_ADMIN_TOKEN)."""

from typing import Any, Literal

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from cvihub_contracts.timestamps import Timestamp, period_end
from cvihub_intake import replay
from cvihub_runtime.admin import ADMIN_PREFIX, admin_guard
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.edges import api_router

StreamName = Literal["referrals", "incident-alerts", "bulletins", "audit"]


class ReplayRequest(BaseModel):
    """Which published records to send again."""

    model_config = ConfigDict(extra="forbid")

    stream: StreamName
    since: Timestamp = Field(description="From this time (inclusive), with a time zone.")
    until: Timestamp | None = Field(
        default=None, description="To this time (exclusive), with a time zone."
    )
    partner: str | None = Field(
        default=None, min_length=1, max_length=64, description="Only this partner's events."
    )

    _until_after_since = period_end("until", "since")


class ReplayAccepted(BaseModel):
    """How many records will be sent again."""

    replayed: int


def admin_router(
    sessions: SessionFactory, admin_token: str | None, problems: dict[int | str, Any]
) -> APIRouter:
    """The admin routes; without a configured token every call is refused."""

    require_admin = admin_guard(admin_token)
    router = api_router(prefix=ADMIN_PREFIX, tags=["admin"], dependencies=[Depends(require_admin)])

    @router.post(
        "/replay",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Send a time range of published events again",
        description="Marks the stream's records published in [since, until) (one partner's "
        "only, with partner) for the outbox relay to send again, in their first order and with "
        "their first event ids, so consumers that dedupe apply each once.",
        responses=problems,
    )
    async def post_replay(body: ReplayRequest) -> ReplayAccepted:
        count = await replay.replay(
            sessions,
            stream=body.stream,
            since=body.since,
            until=body.until,
            partner_id=body.partner,
        )
        return ReplayAccepted(replayed=count)

    return router
