"""Webhooks: the CloudEvent (structured JSON) POSTed and signed per Standard Webhooks.

The body is rendered when the delivery is planned and stored encrypted; each attempt signs
those exact bytes with the subscription's current secret. Redirects are never followed and
only a 2xx counts; the answer's body is never read. Every request goes through the egress rules
(cvihub_runtime.egress): HTTPS to a public address only, the resolved address pinned.
"""

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

from cvihub_contracts import Envelope
from cvihub_contracts.redaction import Redacted
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications.channels.base import Sent, Transport
from cvihub_notifications.queue_store import Claimed
from cvihub_notifications.retries import RETRY_AFTER_STATUSES, is_success, parse_retry_after
from cvihub_runtime.egress import (
    EgressPolicy,
    EgressRefused,
    Resolver,
    egress_client,
    system_resolver,
)
from cvihub_runtime.secretbox import SecretBox

USER_AGENT = "cvihub-notifications/0.1"
CLOUDEVENTS_JSON = "application/cloudevents+json"
GONE = 410


def redacted_attribute(removed: Sequence[str]) -> str:
    """The `redacted` extension attribute: the JSON pointers removed, space-separated (one
    string: CloudEvents attributes are scalars; no pointer of the hub's events has a space)."""
    return " ".join(removed)


def build_body(*, envelope: Envelope, redacted: Redacted, box: SecretBox) -> bytes:
    """The CloudEvents structured-mode JSON to POST: envelope, redacted data, and the removed
    pointers in the `redacted` string attribute ("" when nothing was removed).

    A subject built from a field the recipient may not see (an alert's CAD incident number)
    keeps its prefix and ends in a keyed digest instead: still the same for every revision of
    the incident, so updates can be matched, and no guess of the number can be checked."""
    attributes = envelope.model_dump(mode="json", exclude_none=True, exclude={"partitionkey"})
    subject = attributes.get("subject")
    if redacted.subject_withheld and isinstance(subject, str):
        prefix = subject.rpartition("/")[0]
        attributes["subject"] = f"{prefix}/{box.digest(subject, purpose='subject')}"
    document = {
        **attributes,
        "data": redacted.data,
        "redacted": redacted_attribute(redacted.removed),
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def webhook_headers(
    *, secret: str | Sequence[str], msg_id: str, body: bytes, at: datetime
) -> dict[str, str]:
    """Standard Webhooks headers signing `body` for this attempt: one `v1,` signature per
    secret (during a rotation the receiver verifies whichever it holds)."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    timestamp = int(aware.timestamp())
    signed_at = datetime.fromtimestamp(timestamp, UTC)
    text = body.decode()
    signatures = " ".join(Webhook(s).sign(msg_id, signed_at, text) for s in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
        "content-type": CLOUDEVENTS_JSON,
        "user-agent": USER_AGENT,
    }


def outcome_of(response: httpx.Response, *, now: datetime) -> Sent:
    """What an answer means: 2xx delivered; 410 the endpoint is gone; 429 and 503 with their
    Retry-After; anything else (3xx included: redirects are never followed) a failure."""
    status_code = response.status_code
    if is_success(status_code):
        return Sent(status_code)
    error = f"HTTP {status_code}"  # never the response body
    if status_code == GONE:
        return Sent(status_code, "HTTP 410 Gone", permanent=True, disable_endpoint=True)
    if 300 <= status_code < 400:
        return Sent(status_code, f"{error} (redirects are not followed)")
    retry_after = None
    if status_code in RETRY_AFTER_STATUSES:
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=now)
    return Sent(status_code, error, retry_after=retry_after)


class WebhookTransport(Transport):
    """POSTs signed CloudEvents through one connection pool, opened at the first send."""

    channel = Channel.WEBHOOK

    def __init__(
        self,
        *,
        box: SecretBox,
        timeout_seconds: float,
        egress: EgressPolicy,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._box = box
        self._timeout = timeout_seconds
        self._egress = egress
        self._resolver = resolver
        self._client: httpx.AsyncClient | None = None

    def render(self, *, envelope: Envelope, redacted: Redacted) -> str:
        """The CloudEvent JSON, as POSTed."""
        return build_body(envelope=envelope, redacted=redacted, box=self._box).decode()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # Partner-chosen URLs: checked, resolved and pinned per request; no redirects.
            self._client = egress_client(
                self._egress, timeout=self._timeout, resolver=self._resolver
            )
        return self._client

    async def send(self, delivery: Claimed, *, secrets: Sequence[str]) -> Sent:
        """POST the stored body, signed now; only a 2xx within the timeout counts."""
        try:
            plain = [self._box.decrypt(s) for s in secrets]
            body = self._box.decrypt(delivery.body_encrypted).encode()
            headers = webhook_headers(
                secret=plain, msg_id=delivery.event_id, body=body, at=datetime.now(UTC)
            )
        except ValueError:
            return Sent(None, "secret or body unusable")  # wrong key, or a malformed secret
        try:
            # The whole exchange within the timeout, not each read: a trickle is a failure.
            async with asyncio.timeout(self._timeout):
                # Streamed and never read: the answer's body is of no use and may be large.
                async with self._http().stream(
                    "POST", delivery.url, content=body, headers=headers
                ) as response:
                    return outcome_of(response, now=datetime.now(UTC))
        except EgressRefused as exc:
            # The URL or where it leads breaks a rule: retrying cannot help (a name that
            # does not resolve may, later).
            return Sent(None, f"egress refused: {exc}", permanent=exc.rule != "unresolvable")
        except TimeoutError:
            return Sent(None, "timed out")
        except httpx.HTTPError as exc:
            return Sent(None, type(exc).__name__)

    async def aclose(self) -> None:
        """Close the connection pool, if one was opened."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
