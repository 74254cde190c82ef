"""Kafka subscribers of intake: registry changes keep the local registry copy current."""

from cvihub_contracts import EventData, topics
from cvihub_intake.models import registry_copy
from cvihub_registry_copy import REGISTRY_EVENT_TYPES
from cvihub_runtime.inbox import EventHandler

TOPICS = (topics.REGISTRY,)
"""The topics intake consumes."""


def event_handlers() -> dict[type[EventData], EventHandler]:
    """Which handler applies each event type: every registry change goes to the copy."""
    return dict.fromkeys(REGISTRY_EVENT_TYPES, registry_copy.apply)
