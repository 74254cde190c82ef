"""The community board (bulletins read model), the directory, and the dashboard."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from cvihub_portal import dashboard as dashboards
from cvihub_portal import service, store
from cvihub_portal.api import ACTION_ERRORS, ERRORS, action_response
from cvihub_portal.deps import IdempotencyKey, person_guard
from cvihub_portal.schemas import BulletinForm
from cvihub_portal.service import Person, PortalCore
from cvihub_runtime.edges import api_router


def board_router(core: PortalCore) -> APIRouter:
    """Routes under /api for the board, the directory and the dashboard."""
    router = api_router(prefix="/api", responses=ERRORS)
    Signed = Annotated[Person, Depends(person_guard(core))]

    @router.get("/board", tags=["board"], summary="Community events and resources")
    async def board(person: Signed) -> list[dict[str, Any]]:
        async with core.sessions() as session:
            rows = await store.board(session)
        return [
            {
                **row["public"],
                "bulletin_id": row["bulletin_id"],
                "published_at": row["published_at"].isoformat(),
            }
            for row in rows
        ]

    @router.post(
        "/board",
        tags=["board"],
        status_code=202,
        responses=ACTION_ERRORS,
        summary="Share an event or a resource (the partner's bulletins grant decides)",
    )
    async def share(person: Signed, form: BulletinForm, key: IdempotencyKey) -> JSONResponse:
        api_key = await service.partner_key(core, person.partner_id)
        body = form.model_dump(mode="json", exclude_none=True)

        async def act(session: Any) -> service.Outcome:
            return 202, await core.clients.submit_bulletin(api_key, body, key)

        outcome, replayed = await service.once(
            core, person, key=key, kind="bulletin.share", target=form.kind, act=act
        )
        return action_response(outcome, replayed)

    @router.get("/directory", tags=["directory"], summary="Who does what, where")
    async def directory(
        person: Signed,
        service_name: Annotated[str | None, Query(alias="service", max_length=100)] = None,
        zone: Annotated[str | None, Query(max_length=64)] = None,
    ) -> list[dict[str, Any]]:
        api_key = await service.partner_key(core, person.partner_id)
        params = {k: v for k, v in {"service": service_name, "zone": zone}.items() if v}
        return await core.clients.directory(api_key, params)

    @router.get(
        "/dashboard",
        tags=["dashboard"],
        summary="Aggregates only: the network's referrals and alerts, time to first contact, "
        "my organisation's delivery health; counts under 11 are null (suppressed)",
    )
    async def dashboard(person: Signed) -> dict[str, Any]:
        return await dashboards.dashboard(core, person)

    return router
