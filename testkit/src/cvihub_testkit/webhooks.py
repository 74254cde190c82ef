"""A tiny ASGI webhook receiver served by uvicorn in-process, for integration tests
(notifications' webhooks, intake's FHIR rest-hooks)."""

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import uvicorn

from cvihub_cli.embedded import free_port


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    answered: int
    at: float = 0.0
    """time.monotonic() when it was answered."""


class WebhookReceiver:
    """Records requests per path; can answer the first N requests of a path with an error
    (500, or any status and headers), and can hold a path's requests unanswered."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[Received] = []
        self._fail_first: dict[str, int] = defaultdict(int)
        self._fail_with: dict[str, tuple[int, list[tuple[bytes, bytes]]]] = {}
        self._held: dict[str, asyncio.Event] = {}
        self._delay: dict[str, float] = {}
        self.waiting: dict[str, int] = defaultdict(int)
        """Requests of a held path waiting for their answer now."""
        self.most_waiting: dict[str, int] = defaultdict(int)
        """The most requests of a held path that ever waited at once."""
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def url(self, path: str) -> str:
        """The URL of a path on this receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_first(
        self, path: str, count: int, status: int = 500, headers: dict[str, str] | None = None
    ) -> None:
        """Answer `status` (with `headers`) to the next `count` requests to this path."""
        self._fail_first[path] = count
        encoded = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        self._fail_with[path] = (status, encoded)

    def slow(self, path: str, seconds: float) -> None:
        """Answer this path's requests only after `seconds` (a slow endpoint)."""
        self._delay[path] = seconds

    def hold(self, path: str) -> None:
        """Leave this path's requests unanswered until release()."""
        self._held[path] = asyncio.Event()

    def release(self, path: str) -> None:
        """Answer the held requests of this path, and every later one at once."""
        self._held.pop(path, asyncio.Event()).set()

    def received(self, path: str) -> list[Received]:
        """The requests that reached a path, in order."""
        return [r for r in self.requests if r.path == path]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        held = self._held.get(path)
        if held is not None:
            self.waiting[path] += 1
            self.most_waiting[path] = max(self.most_waiting[path], self.waiting[path])
            try:
                await held.wait()
            finally:
                self.waiting[path] -= 1
        if path in self._delay:
            await asyncio.sleep(self._delay[path])
        status, extra = 200, list[tuple[bytes, bytes]]()
        if self._fail_first[path] > 0:
            self._fail_first[path] -= 1
            status, extra = self._fail_with.get(path, (500, []))
        headers = {name.decode(): value.decode() for name, value in scope["headers"]}
        self.requests.append(
            Received(path=path, headers=headers, body=body, answered=status, at=time.monotonic())
        )
        await send({"type": "http.response.start", "status": status, "headers": extra})
        await send({"type": "http.response.body", "body": b"{}"})

    async def start(self) -> None:
        """Serve until stop()."""
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        # uvicorn.Server exposes only a flag for "listening".
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raise why it could not start
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Shut the server down."""
        for path in list(self._held):
            self.release(path)
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
