"""What the notice channels (e-mail, SMS) share: a notice names the kind of event, its time
and zone, and where to read it; nothing else of the event reaches its text.

Pure: no I/O. Both render from data already cut to their channel's cap (PUBLIC, see views.py).
"""

from datetime import UTC, datetime
from typing import Any

_LABELS = {
    "org.cvihub.incident-alert.published": "incident alert",
    "org.cvihub.bulletin.published": "community bulletin",
    "org.cvihub.referral.submitted": "referral",
    "org.cvihub.referral.status-changed": "referral status change",
}


def event_label(event_type: str) -> str:
    """What a notice calls this kind of event ("incident alert", "referral", ...)."""
    return _LABELS.get(event_type, "event")


def zone_of(data: dict[str, Any]) -> str | None:
    """The zone (a PUBLIC field) of an alert's location or a bulletin's venue, cleaned."""
    for container in ("location", "venue"):
        part = data.get(container)
        if isinstance(part, dict) and isinstance(part.get("zone"), str):
            # A publisher's free text: no line breaks or control characters into a header.
            cleaned = "".join(c for c in str(part["zone"]) if c.isprintable()).strip()
            return cleaned or None
    return None


def minute_utc(at: datetime) -> str:
    """A notice's time: to the minute, in UTC."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
