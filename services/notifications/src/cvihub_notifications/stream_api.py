"""The live stream of a partner's inbox: Server-Sent Events (GET /v1/stream).

Each event: `id:` the inbox item's id, `event:` the event type, `data:` the item as
GET /v1/inbox/{item_id} returns it (one line of JSON, redacted like every channel). A client
resumes with `Last-Event-ID` (EventSource sends it on reconnect): the stream continues just
after that item, without duplicates. Without one it starts after the newest item, so read
GET /v1/inbox first and pass its newest item's id. Each poll opens and returns its own
database session: an idle stream holds no pooled connection.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from cvihub_notifications import service
from cvihub_notifications.deps import PartnerDeps, reader
from cvihub_notifications.inbox_store import Position
from cvihub_notifications.schemas import InboxItemOut
from cvihub_notifications.service import UnknownLastEvent
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem
from cvihub_runtime.secretbox import SecretBox

EVENT_STREAM = "text/event-stream"
BATCH = 100


class StreamWaker:
    """Wakes every open stream when deliveries were committed (instead of polling fast)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        """New inbox items may be there."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Until the next wake, or `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)


def sse(item: InboxItemOut) -> str:
    """One Server-Sent Event for an inbox item."""
    return f"id: {item.item_id}\nevent: {item.event_type}\ndata: {item.model_dump_json()}\n\n"


def stream_router(
    deps: PartnerDeps, *, box: SecretBox, waker: StreamWaker, poll_seconds: float = 2.0
) -> APIRouter:
    """GET /v1/stream: the calling partner's inbox, live."""
    router = api_router(tags=["inbox"])
    Partner = Annotated[str, Depends(reader(deps))]

    async def start_of(request: Request, partner_id: str, last_event_id: str | None) -> Any:
        async with deps.sessions() as session:
            try:
                return await service.stream_start(
                    session=session, partner_id=partner_id, last_event_id=last_event_id
                )
            except UnknownLastEvent:
                other = last_event_id is not None and await service.is_someone_elses_item(
                    session=session, partner_id=partner_id, item_id=last_event_id
                )
        if other:  # another partner's item: answered like an unknown id, but audited
            await record_request_refusal(
                deps.recorder,
                request,
                reason="not the owner of this inbox item",
                status_code=400,
                resource=last_event_id,
            )
        raise Problem(400, "unknown-last-event-id", "Last-Event-ID is no item of your inbox")

    @router.get(
        "/v1/stream",
        summary="Your inbox, live (Server-Sent Events)",
        description="`id:` the inbox item id, `event:` the event type, `data:` the item as "
        "GET /v1/inbox/{item_id} returns it. Resume with the Last-Event-ID header (or the "
        "last_event_id parameter) without duplicates; without one, only items newer than "
        "your newest. Comment lines (`: keep-alive`) keep idle connections open.",
        response_class=StreamingResponse,
        responses={
            200: {"content": {EVENT_STREAM: {"schema": {"type": "string"}}}},
            400: {"description": "Last-Event-ID is no item of your inbox (problem+json)."},
            401: {"description": "Missing, unknown, revoked or expired API key."},
            403: {"description": "The API key lacks the scope deliveries:read."},
        },
    )
    async def stream(
        request: Request,
        partner_id: Partner,
        last_event_header: Annotated[
            str | None, Header(alias="Last-Event-ID", max_length=64)
        ] = None,
        last_event_id: Annotated[
            str | None, Query(max_length=64, description="As the Last-Event-ID header.")
        ] = None,
        max_events: Annotated[
            int | None, Query(ge=1, le=10_000, description="Close after this many events.")
        ] = None,
    ) -> StreamingResponse:
        start = await start_of(request, partner_id, last_event_header or last_event_id)

        async def events(position: Position | None) -> AsyncIterator[str]:
            sent = 0
            yield ": stream open\n\n"
            while max_events is None or sent < max_events:
                room = BATCH if max_events is None else min(BATCH, max_events - sent)
                async with deps.sessions() as session:
                    items, position = await service.stream_batch(
                        session=session,
                        box=box,
                        partner_id=partner_id,
                        start=position,
                        limit=room,
                    )
                for item in items:
                    yield sse(InboxItemOut.model_validate(item, from_attributes=True))
                    sent += 1
                if items:
                    continue
                if await request.is_disconnected():
                    return
                await waker.wait(poll_seconds)
                yield ": keep-alive\n\n"

        return StreamingResponse(
            events(start),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router
