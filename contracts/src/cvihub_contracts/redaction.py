"""Redaction by classification: a recipient sees only the fields its field view allows."""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from cvihub_contracts.classification import CLASSIFICATION_KEY, Classification
from cvihub_contracts.envelope import nested_model


@dataclass(frozen=True)
class Redacted:
    """A payload cut down to a field view, and JSON pointers of what was removed."""

    data: dict[str, Any]
    removed: list[str]
    subject_withheld: bool = False
    """The event's subject is built from a removed field (an alert's is built from the CAD
    incident number): whoever renders the event must not show it as it is."""


def field_classification(model: type[BaseModel], field_name: str) -> Classification | None:
    """The classification a field declares, or None for a container of classified fields."""
    extra = model.model_fields[field_name].json_schema_extra
    if isinstance(extra, dict) and CLASSIFICATION_KEY in extra:
        return Classification(str(extra[CLASSIFICATION_KEY]))
    return None


def redact(payload: BaseModel, allowed: frozenset[Classification]) -> Redacted:
    """Keep the fields whose classification is allowed, recursing into nested models."""
    removed: list[str] = []
    data = _redact(payload, allowed, "#", removed)
    subject_fields = getattr(type(payload), "subject_fields", ())
    withheld = any(f"#/{name}" in removed for name in subject_fields)
    return Redacted(data=data, removed=removed, subject_withheld=withheld)


def _redact(
    payload: BaseModel, allowed: frozenset[Classification], pointer: str, removed: list[str]
) -> dict[str, Any]:
    dumped = payload.model_dump(mode="json")
    kept: dict[str, Any] = {}
    for name in type(payload).model_fields:
        path = f"{pointer}/{name}"
        classification = field_classification(type(payload), name)
        value = getattr(payload, name)
        if classification is not None:
            if classification in allowed:
                kept[name] = dumped[name]
            elif value is not None:
                removed.append(path)
        elif isinstance(value, BaseModel):
            kept[name] = _redact(value, allowed, path, removed)
        elif isinstance(value, list) and all(isinstance(v, BaseModel) for v in value):
            kept[name] = [_redact(v, allowed, f"{path}/{i}", removed) for i, v in enumerate(value)]
        elif value is None and nested_model(type(payload).model_fields[name].annotation):
            kept[name] = None
        else:
            # An unclassified leaf is a contract defect; withhold it rather than guess.
            removed.append(path)
    return kept
