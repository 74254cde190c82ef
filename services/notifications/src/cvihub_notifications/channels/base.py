"""The one small interface every channel implements (webhook, e-mail, SMS, inbox).

Planning asks a channel for the body to store (`render`, from data already cut to the
recipient's view); the worker asks it to send a claimed delivery (`send`) and records what came
back. Nothing else about a channel is known outside its own module.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from cvihub_contracts import Envelope
from cvihub_contracts.redaction import Redacted
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications.queue_store import Claimed


@dataclass(frozen=True)
class Sent:
    """How one attempt ended: a status (HTTP, 250 for SMTP, the gateway's), a short reason
    (never a response body, an address or the text) and whether retrying can help."""

    status_code: int | None
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None
    """Seconds the receiver asked to wait (Retry-After on a 429 or 503)."""
    disable_endpoint: bool = False
    """The endpoint said it is gone for good (410): stop sending to it until re-enabled."""


class Transport(ABC):
    """A channel: what a delivery on it stores, and how it is sent."""

    channel: ClassVar[Channel]
    delivered_when_stored: ClassVar[bool] = False
    """True for a channel the partner fetches from (the inbox): nothing to send."""

    @property
    def ready(self) -> bool:
        """Whether this channel can send now (e-mail without SMTP cannot: its deliveries wait)."""
        return True

    @abstractmethod
    def render(self, *, envelope: Envelope, redacted: Redacted) -> str:
        """The body to store (encrypted) for a delivery of this event, already redacted."""

    async def send(self, delivery: Claimed, *, secrets: Sequence[str]) -> Sent:
        """Make one attempt of a claimed delivery; `secrets`: the subscription's signing
        secrets, encrypted, the current one first (then any still in their rotation grace)."""
        raise NotImplementedError(f"{self.channel.value} deliveries are not sent")

    async def aclose(self) -> None:
        """Release connections (called once the worker stops)."""
        return None
