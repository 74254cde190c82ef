"""A tiny ASGI webhook receiver served by uvicorn in-process, for integration tests."""

import asyncio
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


class WebhookReceiver:
    """Records requests per path; can answer 500 to the first N requests of a path."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[Received] = []
        self._fail_first: dict[str, int] = defaultdict(int)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def url(self, path: str) -> str:
        """The URL of a path on this receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_first(self, path: str, count: int) -> None:
        """Answer 500 to the next `count` requests to this path."""
        self._fail_first[path] = count

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
        status = 200
        if self._fail_first[path] > 0:
            self._fail_first[path] -= 1
            status = 500
        headers = {name.decode(): value.decode() for name, value in scope["headers"]}
        self.requests.append(Received(path=path, headers=headers, body=body, answered=status))
        await send({"type": "http.response.start", "status": status, "headers": []})
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
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
