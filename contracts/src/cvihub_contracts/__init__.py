"""The hub's event contracts: CloudEvents envelope, event types, topics and streams."""

from cvihub_contracts.base import EventData
from cvihub_contracts.classification import Classification
from cvihub_contracts.envelope import (
    ContractViolation,
    Envelope,
    Event,
    KafkaRecord,
    from_kafka,
    new_event,
    partner_source,
    service_source,
    to_kafka,
)
from cvihub_contracts.scopes import ALL_SCOPES, Scope, parse_scopes
from cvihub_contracts.streams import GrantAction, Stream

__all__ = [
    "ALL_SCOPES",
    "Classification",
    "ContractViolation",
    "Envelope",
    "Event",
    "EventData",
    "GrantAction",
    "KafkaRecord",
    "Scope",
    "Stream",
    "from_kafka",
    "new_event",
    "parse_scopes",
    "partner_source",
    "service_source",
    "to_kafka",
]
