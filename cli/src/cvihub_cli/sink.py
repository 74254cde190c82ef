"""The demo webhook receiver: verifies Standard Webhooks signatures and keeps what arrived.

It plays the demo partners' own systems; `cvihub demo` asks it what each partner received.
Built on the standard library's HTTP server: it starts beside the services and should
take none of their start-up time.
"""

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

MAX_BODY = 1024 * 1024


def secrets_from_seed(seed_file: Path) -> dict[str, list[str]]:
    """Each seeded partner's webhook signing secrets."""
    seed = yaml.safe_load(seed_file.read_text()) or {}
    found: dict[str, list[str]] = {}
    for partner in seed.get("partners", []):
        for subscription in partner.get("subscriptions", []):
            found.setdefault(partner["partner_id"], []).append(subscription["secret"])
    return found


class Sink:
    """What arrived, correctly signed, for the partners whose secrets it knows."""

    def __init__(self, secrets: dict[str, list[str]]) -> None:
        self.secrets = secrets
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def accept(self, partner_id: str, body: bytes, headers: dict[str, str]) -> bool:
        """Keep a webhook whose signature verifies with one of the partner's secrets."""
        for secret in self.secrets.get(partner_id, []):
            try:
                message = Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            with self._lock:
                self.received.append(
                    {
                        "partner_id": partner_id,
                        "webhook_id": headers.get("webhook-id"),
                        "type": message.get("type"),
                        "received_at": datetime.now(UTC).isoformat(),
                        "message": message,
                    }
                )
            return True
        return False

    def matching(self, partner_id: str | None, event_type: str | None) -> list[dict[str, Any]]:
        """What arrived, of one partner and one event type when given."""
        with self._lock:
            return [
                item
                for item in self.received
                if (partner_id is None or item["partner_id"] == partner_id)
                and (event_type is None or item["type"] == event_type)
            ]


def sink_server(sink: Sink, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An HTTP server: POST /hooks/{partner_id} (204, or 401 unsigned), GET /received."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, status: int, payload: Any = None) -> None:
            body = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            if payload is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            if not path.startswith("/hooks/") or length > MAX_BODY:
                self.close_connection = True
                self._reply(404 if length <= MAX_BODY else 413, {"detail": "not here"})
                return
            body = self.rfile.read(length)
            headers = {key.lower(): value for key, value in self.headers.items()}
            if sink.accept(path.removeprefix("/hooks/"), body, headers):
                self._reply(204)
            else:
                self._reply(401, {"detail": "signature does not verify"})

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/received":
                self._reply(404, {"detail": "not here"})
                return
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            self._reply(200, sink.matching(query.get("partner_id"), query.get("type")))

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet, as uvicorn's warning level was

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
