"""Kafka subscribers of intake: registry changes keep the local registry copy current, and
referrals' events the FHIR Task read model."""

from cvihub_contracts import EventData, topics
from cvihub_intake.fhir import tasks
from cvihub_intake.models import registry_copy
from cvihub_registry_copy import REGISTRY_EVENT_TYPES
from cvihub_runtime.inbox import EventHandler

TOPICS = (topics.REGISTRY, topics.REFERRALS)
"""The topics intake consumes."""


def event_handlers() -> dict[type[EventData], EventHandler]:
    """Which handler applies each event type."""
    handlers: dict[type[EventData], EventHandler] = dict.fromkeys(
        REGISTRY_EVENT_TYPES, registry_copy.apply
    )
    # Referrals' statuses keep the FHIR Task read model (GET /fhir/Task).
    handlers.update(tasks.HANDLERS)
    return handlers
