"""The bench's webhook receiver: verifies each delivery's Standard Webhooks signature and keeps
(subscriber, key, arrival time) for the bench to read.

It runs as its own process (`python -m cvihub_bench.receiver`) so its work is measured like any
partner's system, not on the load generator's event loop. Times are time.monotonic(), which on
Linux is CLOCK_MONOTONIC, one clock for every process on the machine.
"""

import argparse
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
HOOK_PREFIX = "/hooks/"


def key_of(message: Any) -> str | None:
    """What identifies the sent item in a delivered body: data.alert_id, else data.key."""
    data = message.get("data") if isinstance(message, dict) else None
    if not isinstance(data, dict):
        return None
    key = data.get("alert_id", data.get("key"))
    return str(key) if key is not None else None


class Receiver:
    """An ASGI app: POST /hooks/{subscriber} verifies and records; GET /records?since=n reads."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.verifiers = {name: Webhook(secret) for name, secret in secrets.items()}
        self.records: list[tuple[str, str, float]] = []
        self.rejected = 0

    def accept(self, subscriber: str, body: bytes, headers: dict[str, str], at: float) -> bool:
        """Verify one delivery and record it; False when unknown or the signature is wrong."""
        verifier = self.verifiers.get(subscriber)
        if verifier is None:
            self.rejected += 1
            return False
        try:
            message = verifier.verify(body, headers)
        except WebhookVerificationError:
            self.rejected += 1
            return False
        key = key_of(message)
        if key is None:
            self.rejected += 1
            return False
        self.records.append((subscriber, key, at))
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        path: str = scope["path"]
        if scope["method"] == "POST" and path.startswith(HOOK_PREFIX):
            body = b""
            while True:
                event = await receive()
                body += event.get("body", b"")
                if not event.get("more_body"):
                    break
            at = time.monotonic()
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            ok = self.accept(path[len(HOOK_PREFIX) :], body, headers, at)
            await _respond(send, 204 if ok else 401, b"")
        elif scope["method"] == "GET" and path == "/records":
            since = int(parse_qs(scope["query_string"].decode()).get("since", ["0"])[0])
            payload = {"records": self.records[since:], "rejected": self.rejected}
            await _respond(send, 200, json.dumps(payload).encode())
        else:
            await _respond(send, 404, b"")


async def _respond(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ReceiverClient:
    """Reads the receiver's records incrementally."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.records: list[tuple[str, str, float]] = []
        self.rejected = 0
        self._client = httpx.AsyncClient(timeout=10.0)

    def hook_url(self, subscriber: str) -> str:
        """The webhook URL of one subscriber."""
        return f"{self.url}{HOOK_PREFIX}{subscriber}"

    async def poll(self) -> list[tuple[str, str, float]]:
        """Fetch what arrived since the last poll; the new records."""
        response = await self._client.get(
            f"{self.url}/records", params={"since": len(self.records)}
        )
        response.raise_for_status()
        body = response.json()
        new = [(str(s), str(k), float(t)) for s, k, t in body["records"]]
        self.records.extend(new)
        self.rejected = int(body["rejected"])
        return new

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()


def main() -> None:
    """Run the receiver: --port and --secrets (a JSON file of subscriber -> whsec_ secret)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secrets", type=Path, required=True)
    args = parser.parse_args()
    secrets = json.loads(args.secrets.read_text())
    uvicorn.run(
        Receiver(secrets),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
