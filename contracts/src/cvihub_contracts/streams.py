"""Streams partners are granted to publish or subscribe to."""

from enum import StrEnum


class Stream(StrEnum):
    """A stream of events that a grant names."""

    REFERRALS = "referrals"
    INCIDENT_ALERTS = "incident-alerts"
    BULLETINS = "bulletins"


class GrantAction(StrEnum):
    """What a grant allows a partner to do with a stream."""

    PUBLISH = "publish"
    SUBSCRIBE = "subscribe"
