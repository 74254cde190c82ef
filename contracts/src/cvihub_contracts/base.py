"""Base class of every event payload (the CloudEvents `data`)."""

import functools
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from cvihub_contracts.classification import CLASSIFICATION_KEY, Classification, most_sensitive

SCHEMA_BASE_URI = "https://schemas.cvihub.org"


class EventData(BaseModel):
    """An event payload: one class per event type and major version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    version: ClassVar[int]
    """The major version: a breaking change makes a new class with the next major."""
    schema_revision: ClassVar[int] = 0
    """The revision within the major: each one may only add optional fields.

    Named schema_revision, not revision, because payloads may have a field called revision
    (an incident alert's update counter)."""
    topic: ClassVar[str]
    submission: ClassVar[type[BaseModel] | None] = None
    """The body a partner POSTs to intake for this event, where partners publish it."""
    subject_fields: ClassVar[tuple[str, ...]] = ()
    """Fields the CloudEvents subject is built from: a recipient not allowed one of them must
    not see the subject as it is (see redaction.Redacted.subject_withheld)."""
    checks_clock: ClassVar[bool] = False
    """An event is accepted already: its times are not held to the reader's clock (see
    timestamps.ClockChecked, which the submissions are)."""

    @classmethod
    def dataschema(cls) -> str:
        """The URI of the exact schema (major and revision) this payload follows."""
        return f"{SCHEMA_BASE_URI}/{cls.event_type}/v{cls.version}.{cls.schema_revision}.json"

    @classmethod
    def classifications(cls) -> set[Classification]:
        """Every classification that any field of this payload carries, nested ones included."""
        return set(_classifications_of(cls))

    @classmethod
    def highest_classification(cls) -> Classification:
        """The most sensitive classification in this payload, carried in the envelope."""
        return most_sensitive(_classifications_of(cls))

    def partition_key(self) -> str:
        """The Kafka record key: events of one aggregate stay in order."""
        raise NotImplementedError

    def subject(self) -> str | None:
        """The CloudEvents subject: what the event is about."""
        return None


# Once per class: building a model's JSON schema costs milliseconds, and every event asks.
@functools.cache
def _classifications_of(model: type[EventData]) -> frozenset[Classification]:
    found: set[Classification] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if CLASSIFICATION_KEY in node:
                found.add(Classification(node[CLASSIFICATION_KEY]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(model.model_json_schema())
    return frozenset(found)
