"""The web inbox: the same redacted CloudEvent a webhook would carry, stored for the partner to
fetch (GET /v1/inbox). Delivered the moment it is stored: there is nothing to send."""

from cvihub_contracts import Envelope
from cvihub_contracts.redaction import Redacted
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications.channels.base import Transport
from cvihub_notifications.channels.webhook import build_body
from cvihub_runtime.secretbox import SecretBox

INBOX_URI = "cvihub:inbox"


class InboxTransport(Transport):
    """Stores the CloudEvent; the partner reads it through the inbox API."""

    channel = Channel.INBOX
    delivered_when_stored = True

    def __init__(self, *, box: SecretBox) -> None:
        self._box = box

    def render(self, *, envelope: Envelope, redacted: Redacted) -> str:
        """The CloudEvent JSON, as a webhook would carry it."""
        return build_body(envelope=envelope, redacted=redacted, box=self._box).decode()
