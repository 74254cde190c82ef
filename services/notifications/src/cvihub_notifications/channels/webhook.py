"""Webhooks: the CloudEvent (structured JSON) POSTed and signed per Standard Webhooks.

The body is rendered when the delivery is planned and stored encrypted; each attempt signs
those exact bytes with the subscription's current secret. Redirects are never followed and
only a 2xx counts; the answer's body is never read.
"""

import json
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

from cvihub_contracts import Envelope
from cvihub_contracts.redaction import Redacted
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications.channels.base import Sent, Transport
from cvihub_notifications.retries import is_success
from cvihub_notifications.store import Claimed
from cvihub_runtime.secretbox import SecretBox

USER_AGENT = "cvihub-notifications/0.1"
CLOUDEVENTS_JSON = "application/cloudevents+json"


def build_body(*, envelope: Envelope, redacted: Redacted) -> bytes:
    """The CloudEvents structured-mode JSON to POST: envelope, redacted data, removed pointers."""
    attributes = envelope.model_dump(mode="json", exclude_none=True, exclude={"partitionkey"})
    document = {**attributes, "data": redacted.data, "redacted": redacted.removed}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def webhook_headers(*, secret: str, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """Standard Webhooks headers signing `body` for this attempt."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    timestamp = int(aware.timestamp())
    signed_at = datetime.fromtimestamp(timestamp, UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": Webhook(secret).sign(msg_id, signed_at, body.decode()),
        "content-type": CLOUDEVENTS_JSON,
        "user-agent": USER_AGENT,
    }


class WebhookTransport(Transport):
    """POSTs signed CloudEvents through one connection pool, opened at the first send."""

    channel = Channel.WEBHOOK

    def __init__(self, *, box: SecretBox, timeout_seconds: float) -> None:
        self._box = box
        self._timeout = timeout_seconds
        self._client: httpx.AsyncClient | None = None

    def render(self, *, envelope: Envelope, redacted: Redacted) -> str:
        """The CloudEvent JSON, as POSTed."""
        return build_body(envelope=envelope, redacted=redacted).decode()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        return self._client

    async def send(self, delivery: Claimed, *, secret_encrypted: str) -> Sent:
        """POST the stored body, signed now; any non-2xx answer or failure is retried."""
        try:
            secret = self._box.decrypt(secret_encrypted)
            body = self._box.decrypt(delivery.body_encrypted).encode()
            headers = webhook_headers(
                secret=secret, msg_id=delivery.event_id, body=body, at=datetime.now(UTC)
            )
            # Streamed and never read: the answer's body is of no use and may be large.
            async with self._http().stream(
                "POST", delivery.url, content=body, headers=headers
            ) as response:
                status_code = response.status_code
        except ValueError:
            return Sent(None, "secret or body unusable")  # wrong key, or a malformed secret
        except httpx.HTTPError as exc:
            return Sent(None, type(exc).__name__)
        if is_success(status_code):
            return Sent(status_code)
        return Sent(status_code, f"HTTP {status_code}")  # never the response body

    async def aclose(self) -> None:
        """Close the connection pool, if one was opened."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
