"""Rules across fields of one model, stated for documents: each says in words what the model's
validator checks and, where JSON Schema can say it, in JSON Schema too.

The contracts' committed JSON Schemas stay as released; the services' OpenAPI documents add
these to the schemas of their bodies (`cvihub_runtime.openapi`), so a partner reads every
rule the hub applies. A model lists its own in `cross_field_rules`; `period_end` declares its
period rules itself (see timestamps.py)."""

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class CrossFieldRule:
    """One rule: a sentence, and a JSON Schema (an `allOf` member) where one can say it."""

    text: str
    schema: dict[str, Any] | None = None
    fields: tuple[str, ...] = field(default=())


def not_null(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON Schema: the property is present and not null (of `schema`, when given)."""
    return {"required": [name], "properties": {name: schema or {"not": {"type": "null"}}}}


def together(first: str, second: str) -> CrossFieldRule:
    """Two fields set together or not at all."""
    return CrossFieldRule(
        f"{first} and {second} go together: set both or neither.",
        {
            "allOf": [
                {"if": not_null(first), "then": not_null(second)},
                {"if": not_null(second), "then": not_null(first)},
            ]
        },
        (first, second),
    )


def at_least_one(*names: str, text: str) -> CrossFieldRule:
    """At least one of the fields set."""
    return CrossFieldRule(text, {"anyOf": [not_null(name) for name in names]}, names)


def required_when(name: str, *, field_name: str, value: str) -> CrossFieldRule:
    """A field required (not null) when another has a value."""
    return CrossFieldRule(
        f"{name} is required when {field_name} is {value}.",
        {"if": {"required": [field_name], "properties": {field_name: {"const": value}}}}
        | {"then": not_null(name)},
        (name, field_name),
    )


def ordered(end: str, start: str, *, strictly: bool = True) -> CrossFieldRule:
    """A period's end after its start (or, not strictly, at the same time or after). JSON
    Schema cannot compare two values, so the rule is stated in words only."""
    after = "after" if strictly else "at or after"
    return CrossFieldRule(f"{end}, when set with {start}, is {after} {start}.", None, (end, start))


def cross_field_rules(model: type[BaseModel]) -> list[CrossFieldRule]:
    """Every cross-field rule of a model: its periods, then the rules it lists."""
    rules: list[CrossFieldRule] = []
    for decorator in model.__pydantic_decorators__.field_validators.values():
        period = getattr(decorator.func, "cvihub_period", None)
        if period is not None:
            end, start, strictly = period
            rules.append(ordered(end, start, strictly=strictly))
    rules.extend(getattr(model, "cross_field_rules", ()))
    return rules
