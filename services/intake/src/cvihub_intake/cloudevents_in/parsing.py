"""CloudEvents over HTTP (structured, binary, batch) into submissions, via the official SDK.

The version is the one the event's `dataschema` names (the newest when it names none); an
older version is upcast to the newest before it is accepted, so subscribers see one shape."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cloudevents.v1 import exceptions as ce_errors
from cloudevents.v1.http import CloudEvent, from_dict, from_http
from pydantic import BaseModel, ValidationError

from cvihub_contracts.base import EventData
from cvihub_contracts.catalog import EVENT_MODELS, latest_model, model_for, parse_dataschema
from cvihub_contracts.upcasting import upcast_payload
from cvihub_intake.checks import Refusal, Submission

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
PUBLISHABLE: dict[str, type[EventData]] = {
    model.event_type: latest_model(model.event_type)
    for model in EVENT_MODELS
    if model.submission is not None
}
"""Every event type a partner may publish, with its newest version."""


class InvalidCloudEvent(Exception):
    """An event that is not a CloudEvent the hub can take; `errors` point into the body."""

    def __init__(self, kind: str, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.errors = errors


@dataclass(frozen=True)
class ParsedEvent:
    """A CloudEvent read as a submission of the newest version of its type."""

    submission: Submission
    source: str
    event_id: str
    correlation_id: str | None
    data_pointer: str
    """Where the event's data sits in the request body ("" in binary mode: the body)."""

    @property
    def idempotency_key(self) -> str:
        """The event's own identity (source + id): a resent event is the same request."""
        return f"cloudevent\n{self.source}\n{self.event_id}"


def parse_request(content_type: str, headers: Mapping[str, str], body: bytes) -> list[ParsedEvent]:
    """Every event of a request in any of the three modes; raise InvalidCloudEvent."""
    media = content_type.split(";")[0].strip().lower()
    if media == BATCH:
        try:
            items = json.loads(body)
        except json.JSONDecodeError:
            raise InvalidCloudEvent("invalid-cloudevent", "the batch is not JSON", []) from None
        if not isinstance(items, list) or not items:
            raise InvalidCloudEvent(
                "invalid-cloudevent", "a batch is a non-empty JSON array of events", []
            )
        return [
            _read(_from_dict(item, prefix=f"#/{i}"), prefix=f"#/{i}/data")
            for i, item in enumerate(items)
        ]
    try:
        event = from_http(dict(headers), body)
    except ce_errors.GenericException as exc:
        raise _invalid(exc, "#") from None
    return [_read(event, prefix="#/data" if media == STRUCTURED else "#")]


def _from_dict(item: Any, *, prefix: str) -> CloudEvent:
    if not isinstance(item, dict):
        raise InvalidCloudEvent(
            "invalid-cloudevent",
            "each event of a batch is a JSON object",
            [{"pointer": prefix, "detail": "not an object", "code": "invalid-cloudevent"}],
        )
    if item.get("specversion") != "1.0":
        raise InvalidCloudEvent(
            "invalid-cloudevent",
            "the hub takes CloudEvents 1.0",
            [
                {
                    "pointer": f"{prefix}/specversion",
                    "detail": "must be 1.0",
                    "code": "invalid-cloudevent",
                }
            ],
        )
    try:
        return from_dict(item)
    except ce_errors.GenericException as exc:
        raise _invalid(exc, prefix) from None


def _invalid(exc: Exception, pointer: str) -> InvalidCloudEvent:
    # The SDK's messages may quote the body; name the class of problem only.
    detail = {
        "MissingRequiredFields": "a required attribute (specversion, id, source, type) is missing",
        "InvalidRequiredFields": "a required attribute has an invalid value",
    }.get(type(exc).__name__, "not a CloudEvent")
    return InvalidCloudEvent(
        "invalid-cloudevent",
        detail,
        [{"pointer": pointer, "detail": detail, "code": "invalid-cloudevent"}],
    )


def _read(event: CloudEvent, *, prefix: str) -> ParsedEvent:
    attrs = event.get_attributes()
    event_type = str(attrs.get("type"))
    at = prefix.removesuffix("/data") if prefix.endswith("/data") else "#"
    latest = PUBLISHABLE.get(event_type)
    if latest is None:
        raise _attribute_error(at, "type", "unknown-event-type", "not a type partners publish")
    model = latest
    dataschema = attrs.get("dataschema")
    if dataschema is not None:
        ref = parse_dataschema(str(dataschema))
        found = model_for(event_type=event_type, dataschema=str(dataschema))
        if ref is None or found is None or found.submission is None:
            raise _attribute_error(
                at, "dataschema", "unknown-dataschema", "not a schema of this event type"
            )
        model = found
    content_type = str(attrs.get("datacontenttype") or "application/json")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise _attribute_error(
            at, "datacontenttype", "unsupported-data-content-type", "data must be application/json"
        )
    data = event.get_data()
    if not isinstance(data, dict):
        raise InvalidCloudEvent(
            "validation-error",
            "the event's data must be a JSON object",
            [{"pointer": prefix, "detail": "not a JSON object", "code": "object_type"}],
        )
    submission = _submission(model, latest, data, prefix=prefix)
    correlation = attrs.get("correlationid")
    return ParsedEvent(
        submission=submission,
        source=str(attrs["source"]),
        event_id=str(attrs["id"]),
        correlation_id=str(correlation)[:128] if correlation else None,
        data_pointer=prefix.removeprefix("#"),
    )


def _submission(
    model: type[EventData], latest: type[EventData], data: dict[str, Any], *, prefix: str
) -> Submission:
    posted = model.submission
    newest = latest.submission
    assert posted is not None and newest is not None
    try:
        parsed: BaseModel = posted.model_validate(data)
        if model is not latest:
            payload = upcast_payload(
                model.event_type, model.version, parsed.model_dump(mode="json")
            )
            parsed = newest.model_validate(payload)
    except ValidationError as exc:
        errors = [
            {
                "pointer": prefix + "".join(f"/{part}" for part in err["loc"]),
                "detail": err["msg"],
                "code": err["type"],
            }
            for err in exc.errors()
        ]
        raise InvalidCloudEvent(
            "validation-error", f"{len(errors)} field(s) failed validation", errors
        ) from None
    assert isinstance(parsed, Submission)
    return parsed


def _attribute_error(at: str, attribute: str, kind: str, detail: str) -> InvalidCloudEvent:
    pointer = f"{at}/{attribute}" if at != "#" else f"#/{attribute}"
    return InvalidCloudEvent(
        kind, f"{attribute}: {detail}", [{"pointer": pointer, "detail": detail, "code": kind}]
    )


__all__ = ["BATCH", "STRUCTURED", "InvalidCloudEvent", "ParsedEvent", "Refusal", "parse_request"]
