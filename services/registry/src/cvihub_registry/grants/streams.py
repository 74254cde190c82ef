"""The catalog of grantable streams: which topic carries each and which events travel on it."""

from dataclasses import dataclass

from cvihub_contracts import Classification, Stream
from cvihub_contracts.catalog import EVENT_MODELS
from cvihub_contracts.classification import most_sensitive
from cvihub_registry.acls.rules import STREAM_TOPICS


@dataclass(frozen=True)
class StreamEvent:
    """One event type and major version carried on a stream."""

    event_type: str
    version: int
    schema_revision: int
    dataschema: str
    highest_classification: Classification


@dataclass(frozen=True)
class StreamInfo:
    """A grantable stream, its topic and the events on it."""

    stream: Stream
    topic: str
    events: list[StreamEvent]
    highest_classification: Classification


def stream_catalog() -> list[StreamInfo]:
    """Every grantable stream with its topic and events, from the contracts alone."""
    catalog = []
    for stream in Stream:
        topic = STREAM_TOPICS[stream]
        events = [
            StreamEvent(
                event_type=model.event_type,
                version=model.version,
                schema_revision=model.schema_revision,
                dataschema=model.dataschema(),
                highest_classification=model.highest_classification(),
            )
            for model in EVENT_MODELS
            if model.topic == topic
        ]
        highest = most_sensitive(e.highest_classification for e in events)
        catalog.append(
            StreamInfo(stream=stream, topic=topic, events=events, highest_classification=highest)
        )
    return catalog
