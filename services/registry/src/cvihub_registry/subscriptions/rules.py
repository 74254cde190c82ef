"""What makes a subscription endpoint acceptable: its URI fits its channel, its event-type
filter names only event types of its stream. Pure: no I/O."""

import re
from collections.abc import Sequence

from cvihub_contracts import Stream
from cvihub_contracts.catalog import stream_event_types
from cvihub_contracts.registry.changes_v1 import (
    E164_PATTERN,
    SMS_URI_PATTERN,
    SMS_URI_PREFIX,
    Channel,
)
from cvihub_registry.domain import Invalid

INBOX_URI = "cvihub:inbox"
"""Every inbox subscription's endpoint URI: the hub's own web inbox (one per partner and stream)."""
MAILTO = "mailto:"
ZONED_STREAMS = frozenset({Stream.INCIDENT_ALERTS, Stream.BULLETINS})
"""Streams whose events have a zone; referrals go to their addressee, whatever the zone."""


def endpoint_uri(
    *,
    channel: Channel,
    url: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> str:
    """The endpoint URI stored for a channel: the webhook URL, mailto:<address>, cvihub:inbox,
    sms:<E.164 number>."""
    if channel is Channel.INBOX:
        return INBOX_URI
    if channel is Channel.EMAIL:
        if not email:
            raise Invalid("invalid-subscription", "the email channel needs an e-mail address")
        return MAILTO + email
    if channel is Channel.SMS:
        # Never in the message: the number is a staff member's personal data.
        if not phone or not re.fullmatch(E164_PATTERN, phone):
            raise Invalid("invalid-subscription", "the sms channel needs an E.164 phone number")
        return SMS_URI_PREFIX + phone
    if not url:
        raise Invalid("invalid-subscription", "the webhook channel needs a URL")
    return url


def unknown_event_types(stream: Stream, event_types: Sequence[str] | None) -> list[str]:
    """The names in an event-type filter that the stream does not carry (sorted)."""
    if event_types is None:
        return []
    return sorted(set(event_types) - stream_event_types(stream))


def check_endpoint(
    *,
    stream: Stream,
    channel: Channel,
    url: str,
    event_types: Sequence[str] | None,
    zones: Sequence[str] | None = None,
) -> None:
    """Raise Invalid unless the URI fits the channel and the filter fits the stream."""
    fits = {
        Channel.WEBHOOK: url.startswith(("https://", "http://")),
        Channel.EMAIL: url.startswith(MAILTO) and len(url) > len(MAILTO),
        Channel.INBOX: url == INBOX_URI,
        Channel.SMS: re.fullmatch(SMS_URI_PATTERN, url) is not None,
    }[channel]
    if not fits:
        raise Invalid("invalid-subscription", f"the endpoint does not fit the {channel} channel")
    if zones is not None and (stream not in ZONED_STREAMS or not zones):
        raise Invalid("invalid-subscription", f"a zone filter does not apply to {stream.value}")
    if event_types is not None and not event_types:
        raise Invalid("invalid-subscription", "an event-type filter names at least one type")
    if unknown_event_types(stream, event_types):
        raise Invalid(
            "invalid-subscription", f"the filter names an event type {stream.value} does not carry"
        )
