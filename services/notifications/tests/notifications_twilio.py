"""A tiny SMS gateway speaking the subset of Twilio's Messages REST API the hub uses, served by
uvicorn in-process on a loopback port, for integration tests.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form fields To, From, Body, HTTP basic
auth AccountSid:AuthToken. Answers as Twilio does: 201 with the message resource, 401 (code
20003) on bad credentials, 400 with an error document on a missing field or a refused number
(code 21211), 404 on any other path; `fail_next` makes it answer 500 to a number.
"""

import asyncio
import base64
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import uvicorn

from cvihub_cli.embedded import free_port

ACCOUNT_SID = "AC00000000000000000000000000test"
AUTH_TOKEN = "twilio-test-token-not-for-logs"
SENDER = "+15551230000"
INVALID_NUMBER = 21211


@dataclass(frozen=True)
class Message:
    """One request the gateway got, and how it answered."""

    to: str
    sender: str
    body: str
    answered: int


class TwilioTestGateway:
    """Records Messages API requests; refuses chosen numbers, fails chosen ones for a while."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[Message] = []
        self.unauthorised = 0
        self.invalid_numbers: set[str] = set()
        self._fail_next: dict[str, int] = defaultdict(int)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The NOTIFICATIONS_SMS_URL that points the hub here."""
        return (
            f"twilio://{ACCOUNT_SID}:{AUTH_TOKEN}@127.0.0.1:{self.port}"
            "?from=%2B15551230000&insecure_http=true"
        )

    def fail_next(self, number: str, count: int) -> None:
        """Answer 500 to the next `count` messages to this number."""
        self._fail_next[number] = count

    def to(self, number: str) -> list[Message]:
        """The messages that came for a number, in order (whatever the answer)."""
        return [m for m in self.requests if m.to == number]

    def accepted(self, number: str) -> list[Message]:
        """The messages to a number that were answered 201."""
        return [m for m in self.to(number) if m.answered == 201]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        status, document = self._answer(scope["method"], scope["path"], headers, raw)
        await _respond(send, status, document)

    def _answer(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        if method != "POST" or path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            return 404, _error(20404, "The requested resource was not found", 404)
        if headers.get("authorization") != _basic(ACCOUNT_SID, AUTH_TOKEN):
            self.unauthorised += 1
            return 401, _error(20003, "Authenticate", 401)
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return 400, _error(21600, "Expected a form", 400)
        form = {name: values[-1] for name, values in parse_qs(raw.decode()).items()}
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to or not sender or not body:
            return 400, _error(21604, "A 'To', 'From' and 'Body' are required", 400)
        status = 201
        if to in self.invalid_numbers:
            status = 400
        elif self._fail_next[to] > 0:
            self._fail_next[to] -= 1
            status = 500
        self.requests.append(Message(to=to, sender=sender, body=body, answered=status))
        if status == 400:
            # Twilio quotes the number in its message: the hub must not keep that text.
            return 400, _error(INVALID_NUMBER, f"The 'To' number {to} is not a valid number", 400)
        if status == 500:
            return 500, _error(20500, "Internal Server Error", 500)
        sid = "SM" + uuid.uuid4().hex
        return 201, {"sid": sid, "status": "queued", "to": to, "from": sender, "body": body}

    async def start(self) -> None:
        """Serve until stop()."""
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raise why it could not start
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _error(code: int, message: str, status: int) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


async def _respond(send: Any, status: int, document: dict[str, Any]) -> None:
    body = json.dumps(document).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
