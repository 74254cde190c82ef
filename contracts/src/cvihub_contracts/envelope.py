"""The CloudEvents 1.0 envelope and its Kafka binary-mode binding.

Encoding and decoding go through the official `cloudevents` SDK, so whatever the hub writes
any CloudEvents consumer can read.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, get_args

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import BaseModel, ConfigDict, ValidationError

from cvihub_contracts.base import EventData
from cvihub_contracts.catalog import model_for, parse_dataschema
from cvihub_contracts.classification import Classification
from cvihub_contracts.timestamps import ACCEPTED_EVENT, Timestamp

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
HUB_SOURCE = "urn:cvihub:hub"

D = TypeVar("D", bound=EventData)


def partner_source(partner_id: str) -> str:
    """The CloudEvents source of an event a partner published."""
    return f"urn:cvihub:partner:{partner_id}"


def service_source(service: str) -> str:
    """The CloudEvents source of an event a hub service published on its own account."""
    return f"urn:cvihub:service:{service}"


class Envelope(BaseModel):
    """CloudEvents context attributes, with the hub's extensions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    source: str
    type: str
    specversion: str = SPECVERSION
    time: Timestamp
    subject: str | None = None
    dataschema: str
    datacontenttype: str = CONTENT_TYPE
    partitionkey: str
    correlationid: str
    causationid: str | None = None
    classification: Classification


@dataclass(frozen=True)
class Event(Generic[D]):
    """An envelope and its typed payload."""

    envelope: Envelope
    data: D


@dataclass(frozen=True)
class KafkaRecord:
    """A record ready for any Kafka client: binary content mode, key = partition key."""

    topic: str
    key: bytes
    headers: dict[str, bytes]
    value: bytes


class ContractViolation(ValueError):
    """A record that does not follow the contracts; `reason` says why, without payload values."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def new_event(
    data: D,
    *,
    source: str,
    event_id: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    time: datetime | None = None,
) -> Event[D]:
    """Wrap a payload in a fresh envelope."""
    event_id = event_id or str(uuid.uuid4())
    envelope = Envelope(
        id=event_id,
        source=source,
        type=data.event_type,
        time=time or datetime.now(UTC),
        subject=data.subject(),
        dataschema=data.dataschema(),
        partitionkey=data.partition_key(),
        correlationid=correlation_id or event_id,
        causationid=causation_id,
        classification=data.highest_classification(),
    )
    return Event(envelope=envelope, data=data)


def to_kafka(event: Event[Any]) -> KafkaRecord:
    """Encode an event as a Kafka record in CloudEvents binary content mode."""
    attributes = event.envelope.model_dump(mode="json", exclude_none=True)
    attributes["time"] = event.envelope.time
    cloud_event = CloudEvent(
        attributes=attributes, data=event.data.model_dump(mode="json", exclude_none=True)
    )
    message = ce_kafka.to_binary(cloud_event, JSONFormat())
    key = message.key if isinstance(message.key, bytes) else str(message.key).encode()
    return KafkaRecord(
        topic=event.data.topic, key=key, headers=dict(message.headers), value=message.value
    )


def from_kafka(headers: dict[str, bytes], key: bytes | None, value: bytes) -> Event[EventData]:
    """Decode and validate a Kafka record; raise ContractViolation naming what is wrong."""
    ce_headers = {
        name: raw
        for name, raw in headers.items()
        if name.lower().startswith("ce_") or name.lower() == "content-type"
    }
    try:
        cloud_event = ce_kafka.from_binary(
            ce_kafka.KafkaMessage(headers=ce_headers, key=key, value=value), JSONFormat()
        )
    except (BaseCloudEventException, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ContractViolation(
            f"not a CloudEvent in Kafka binary mode: {type(exc).__name__}"
        ) from exc

    attributes = cloud_event.get_attributes()
    model = model_for(
        event_type=str(attributes.get("type")), dataschema=attributes.get("dataschema")
    )
    if model is None:
        raise ContractViolation(
            f"unknown event type or schema: {attributes.get('type')} {attributes.get('dataschema')}"
        )
    payload = cloud_event.get_data()
    if not isinstance(payload, dict):
        raise ContractViolation(f"{model.event_type}: data is not a JSON object")
    ref = parse_dataschema(str(attributes.get("dataschema")))
    if ref is not None and ref.revision > model.schema_revision:
        # A newer revision of the same major only adds optional fields: read what we know.
        payload = known_fields(model, payload)
    try:
        envelope = Envelope.model_validate(attributes)
        # From the broker: accepted already, not held to this host's clock.
        data = model.model_validate(payload, context=ACCEPTED_EVENT)
    except ValidationError as exc:
        fields = ", ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['type']}" for err in exc.errors()
        )
        raise ContractViolation(f"{model.event_type} v{model.version} invalid: {fields}") from exc
    return Event(envelope=envelope, data=data)


def known_fields(model: type[BaseModel], payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without the fields this model (and its nested models) does not declare."""
    kept: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in payload:
            continue
        value = payload[name]
        nested = nested_model(info.annotation)
        if nested is not None and isinstance(value, dict):
            value = known_fields(nested, value)
        elif nested is not None and isinstance(value, list):
            value = [known_fields(nested, v) if isinstance(v, dict) else v for v in value]
        kept[name] = value
    return kept


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside X, X | None or list[X], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = nested_model(arg)
        if found is not None:
            return found
    return None
