"""The live feed: notifications' SSE stream relayed as it is, or the inbox polled where the
stream is not offered (404). Either way `id:` is the inbox item id, `event:` its event type and
`data:` the item's redacted JSON, and `Last-Event-ID` resumes without duplicates."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from cvihub_portal.clients import HubClients, Unreachable, UpstreamError

KEEPALIVE = b": keep-alive\n\n"
RETRY = b"retry: 3000\n\n"


def sse(item: dict[str, Any]) -> bytes:
    """One inbox item as a Server-Sent Event."""
    data = json.dumps(item, separators=(",", ":"), default=str)
    return f"id: {item['item_id']}\nevent: {item['event_type']}\ndata: {data}\n\n".encode()


def newer_than(items: list[dict[str, Any]], last_id: str | None) -> list[dict[str, Any]]:
    """Items after `last_id`, oldest first (all of them when it is unknown or not given)."""
    oldest_first = sorted(items, key=lambda i: (str(i["received_at"]), str(i["item_id"])))
    ids = [str(i["item_id"]) for i in oldest_first]
    if last_id and last_id in ids:
        return oldest_first[ids.index(last_id) + 1 :]
    return oldest_first


async def relay(
    clients: HubClients, key: str, last_event_id: str | None, *, poll_seconds: float
) -> AsyncIterator[bytes]:
    """The feed for one partner, until the client goes away."""
    yield RETRY
    try:
        async with clients.stream(key, last_event_id) as upstream:
            if upstream.status_code == 200:
                async for chunk in upstream.aiter_raw():
                    yield chunk
                return
    except Unreachable:
        pass
    async for chunk in poll_inbox(clients, key, last_event_id, poll_seconds=poll_seconds):
        yield chunk


async def poll_inbox(
    clients: HubClients, key: str, last_event_id: str | None, *, poll_seconds: float
) -> AsyncIterator[bytes]:
    """Notifications has no stream yet: emit inbox items as they arrive."""
    sent: set[str] | None = None
    while True:
        try:
            items = await clients.inbox(key, limit=100)
        except (Unreachable, UpstreamError):
            yield KEEPALIVE
            await asyncio.sleep(poll_seconds)
            continue
        if sent is None:
            # First look: only what came after the client's last event (a fresh client loads
            # its lists itself, so it gets no backlog).
            ids = {str(i["item_id"]) for i in items}
            fresh = newer_than(items, last_event_id) if last_event_id in ids else []
            sent = ids
        else:
            fresh = [i for i in newer_than(items, None) if str(i["item_id"]) not in sent]
            sent.update(str(i["item_id"]) for i in fresh)
        for item in fresh:
            yield sse(item)
        if not fresh:
            yield KEEPALIVE
        await asyncio.sleep(poll_seconds)
