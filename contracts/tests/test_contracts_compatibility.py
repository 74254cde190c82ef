"""Each compatibility rule on small hand-written schema pairs, in both directions."""

from typing import Any

import pytest

from cvihub_contracts.compatibility import Compatibility, Incompatibility, check

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}


def obj(
    props: dict[str, Any], required: tuple[str, ...] = (), extra: Any = False, **more: Any
) -> dict[str, Any]:
    """An object schema; closed (additionalProperties false, pydantic extra=forbid) by default."""
    schema: dict[str, Any] = {"type": "object", "properties": props, "required": list(required)}
    if extra is not True:
        schema["additionalProperties"] = extra
    return {**schema, **more}


def field(schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    """A closed object with one property `f`: the usual way a change reaches a field."""
    return obj({"f": schema}, ("f",) if required else ())


def rules(found: list[Incompatibility]) -> set[str]:
    return {issue.rule for issue in found}


# (name, old, new, rules found by BACKWARD (new reads old), rules found by FORWARD (old reads new))
CASES: list[tuple[str, dict[str, Any], dict[str, Any], set[str], set[str]]] = [
    (
        "optional property added to closed model",
        obj({"a": STR}),
        obj({"a": STR, "b": STR}),
        set(),
        {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
    ),
    (
        "required property added without default",
        obj({"a": STR}),
        obj({"a": STR, "b": STR}, ("b",)),
        {"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"},
        {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
    ),
    (
        "required property added with a default",
        obj({"a": STR}),
        obj({"a": STR, "b": {**STR, "default": "x"}}, ("b",)),
        set(),
        {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
    ),
    (
        "optional property removed from closed model",
        obj({"a": STR, "b": STR}),
        obj({"a": STR}),
        {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
        set(),
    ),
    (
        "required property removed from closed model",
        obj({"a": STR, "b": STR}, ("b",)),
        obj({"a": STR}),
        {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
        {"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"},
    ),
    (
        "property removed from open model",
        obj({"a": STR, "b": STR}, extra=True),
        obj({"a": STR}, extra=True),
        set(),
        {"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"},
    ),
    (
        "property added to partially open model, outside its extras schema",
        obj({"a": STR}, extra=STR),
        obj({"a": STR, "b": INT}, extra=STR),
        {"PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"},
        {"PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"},
    ),
    (
        "property added to partially open model, within its extras schema",
        obj({"a": STR}, extra=STR),
        obj({"a": STR, "b": STR}, extra=STR),
        set(),
        set(),
    ),
    (
        "model closed",
        obj({"a": STR}, extra=True),
        obj({"a": STR}),
        {"ADDITIONAL_PROPERTIES_REMOVED"},
        set(),
    ),
    (
        "extras schema narrowed",
        obj({"a": STR}, extra=STR),
        obj({"a": STR}, extra={**STR, "maxLength": 3}),
        {"ADDITIONAL_PROPERTIES_NARROWED"},
        set(),
    ),
    (
        "optional property made required",
        obj({"a": STR}),
        obj({"a": STR}, ("a",)),
        {"REQUIRED_ATTRIBUTE_ADDED"},
        set(),
    ),
    ("type changed", field(STR), field(INT), {"TYPE_CHANGED"}, {"TYPE_CHANGED"}),
    ("integer widened to number", field(INT), field({"type": "number"}), set(), {"TYPE_NARROWED"}),
    (
        "null no longer allowed",
        field({"anyOf": [STR, {"type": "null"}], "default": None}),
        field(STR),
        {"TYPE_NARROWED"},
        set(),
    ),
    (
        "branch dropped from a union",
        field({"anyOf": [STR, INT, {"type": "null"}]}),
        field({"anyOf": [STR, {"type": "null"}]}),
        {"SUM_TYPE_NARROWED"},
        set(),
    ),
    (
        "constraint tightened inside a nullable",
        field({"anyOf": [STR, {"type": "null"}]}),
        field({"anyOf": [{**STR, "maxLength": 5}, {"type": "null"}]}),
        {"MAX_LENGTH_ADDED"},
        set(),
    ),
    (
        "enum value added",
        field({"type": "string", "enum": ["a", "b"]}),
        field({"type": "string", "enum": ["a", "b", "c"]}),
        set(),
        {"ENUM_ARRAY_NARROWED"},
    ),
    (
        "enum value removed",
        field({"type": "string", "enum": ["a", "b"]}),
        field({"type": "string", "enum": ["a"]}),
        {"ENUM_ARRAY_NARROWED"},
        set(),
    ),
    (
        "free string restricted to an enum",
        field(STR),
        field({"type": "string", "enum": ["a"]}),
        {"ENUM_ADDED"},
        set(),
    ),
    (
        "enum value too long for a new maxLength",
        field({"type": "string", "enum": ["abc"]}),
        field({**STR, "maxLength": 2}),
        {"MAX_LENGTH_ADDED"},
        {"ENUM_ADDED"},
    ),
    ("minLength added", field(STR), field({**STR, "minLength": 1}), {"MIN_LENGTH_ADDED"}, set()),
    (
        "minLength increased",
        field({**STR, "minLength": 1}),
        field({**STR, "minLength": 2}),
        {"MIN_LENGTH_INCREASED"},
        set(),
    ),
    ("maxLength added", field(STR), field({**STR, "maxLength": 9}), {"MAX_LENGTH_ADDED"}, set()),
    (
        "maxLength decreased",
        field({**STR, "maxLength": 10}),
        field({**STR, "maxLength": 5}),
        {"MAX_LENGTH_DECREASED"},
        set(),
    ),
    ("pattern added", field(STR), field({**STR, "pattern": "^a"}), {"PATTERN_ADDED"}, set()),
    (
        "pattern changed",
        field({**STR, "pattern": "^a"}),
        field({**STR, "pattern": "^b"}),
        {"PATTERN_CHANGED"},
        {"PATTERN_CHANGED"},
    ),
    ("format added", field(STR), field({**STR, "format": "uuid"}), {"FORMAT_ADDED"}, set()),
    (
        "format changed",
        field({**STR, "format": "date"}),
        field({**STR, "format": "date-time"}),
        {"FORMAT_CHANGED"},
        {"FORMAT_CHANGED"},
    ),
    ("minimum added", field(INT), field({**INT, "minimum": 0}), {"MINIMUM_ADDED"}, set()),
    (
        "minimum made exclusive",
        field({**INT, "minimum": 0}),
        field({**INT, "exclusiveMinimum": 0}),
        {"MINIMUM_INCREASED"},
        set(),
    ),
    (
        "maximum decreased",
        field({**INT, "maximum": 10}),
        field({**INT, "maximum": 5}),
        {"MAXIMUM_DECREASED"},
        set(),
    ),
    ("maximum added", field(INT), field({**INT, "maximum": 5}), {"MAXIMUM_ADDED"}, set()),
    (
        "multipleOf added",
        field(INT),
        field({**INT, "multipleOf": 2}),
        {"MULTIPLE_OF_ADDED"},
        set(),
    ),
    (
        "multipleOf coarsened",
        field({**INT, "multipleOf": 2}),
        field({**INT, "multipleOf": 4}),
        {"MULTIPLE_OF_CHANGED"},
        set(),
    ),
    (
        "array items changed type",
        field({"type": "array", "items": STR}),
        field({"type": "array", "items": INT}),
        {"TYPE_CHANGED"},
        {"TYPE_CHANGED"},
    ),
    (
        "minItems added",
        field({"type": "array", "items": STR}),
        field({"type": "array", "items": STR, "minItems": 1}),
        {"MIN_ITEMS_ADDED"},
        set(),
    ),
    (
        "maxItems decreased",
        field({"type": "array", "items": STR, "maxItems": 5}),
        field({"type": "array", "items": STR, "maxItems": 2}),
        {"MAX_ITEMS_DECREASED"},
        set(),
    ),
    (
        "uniqueItems added",
        field({"type": "array", "items": STR}),
        field({"type": "array", "items": STR, "uniqueItems": True}),
        {"UNIQUE_ITEMS_ADDED"},
        set(),
    ),
    (
        "default changed",
        field({**STR, "default": "en"}),
        field({**STR, "default": "fr"}),
        {"DEFAULT_CHANGED"},
        {"DEFAULT_CHANGED"},
    ),
    (
        "unsupported keyword changed",
        field({"oneOf": [STR, INT]}),
        field({"oneOf": [STR]}),
        {"UNSUPPORTED_KEYWORD_CHANGED"},
        {"UNSUPPORTED_KEYWORD_CHANGED"},
    ),
    (
        "annotations only",
        field({**STR, "title": "F", "description": "old", "x-classification": "pii"}),
        field({**STR, "title": "G", "description": "new", "x-classification": "phi"}),
        set(),
        set(),
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "backward", "forward"), CASES, ids=[c[0] for c in CASES]
)
def test_rule(
    name: str, old: dict[str, Any], new: dict[str, Any], backward: set[str], forward: set[str]
) -> None:
    assert rules(check(old, new, Compatibility.BACKWARD)) == backward
    assert rules(check(old, new, Compatibility.FORWARD)) == forward
    assert rules(check(old, new, Compatibility.FULL)) == backward | forward
    assert check(old, new, Compatibility.NONE) == []


def test_transitive_modes_check_a_pair_like_their_plain_mode() -> None:
    old, new = obj({"a": STR}), obj({"a": STR, "b": STR}, ("b",))

    assert check(old, new, "BACKWARD_TRANSITIVE") == check(old, new, "BACKWARD")
    assert check(old, new, "full_transitive") == check(old, new, "FULL")


def test_incompatibility_names_the_pointer_through_refs_and_the_direction() -> None:
    defs = {"Patient": obj({"phone": {**STR, "pattern": "^\\+"}})}
    old = {"$defs": defs, **obj({"patient": {"$ref": "#/$defs/Patient"}}, ("patient",))}
    new_defs = {"Patient": obj({"phone": {**STR, "pattern": "^\\+1"}})}
    new = {"$defs": new_defs, **obj({"patient": {"$ref": "#/$defs/Patient"}}, ("patient",))}

    [issue] = check(old, new, Compatibility.BACKWARD)

    assert issue.pointer == "#/properties/patient/properties/phone"
    assert issue.rule == "PATTERN_CHANGED"
    assert issue.direction == "backward"
    assert "^\\+1" in issue.detail


def test_enum_behind_a_ref_is_compared() -> None:
    def schema(values: list[str]) -> dict[str, Any]:
        kind = {"type": "string", "enum": values}
        return {"$defs": {"Kind": kind}, **obj({"kind": {"$ref": "#/$defs/Kind"}}, ("kind",))}

    [issue] = check(schema(["a", "b"]), schema(["a"]), Compatibility.BACKWARD)

    assert (issue.pointer, issue.rule) == ("#/properties/kind", "ENUM_ARRAY_NARROWED")
    assert '"b"' in issue.detail


def test_recursive_schemas_terminate() -> None:
    node = obj({"name": STR, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}})
    schema = {"$defs": {"Node": node}, "$ref": "#/$defs/Node"}
    narrower = {
        "$defs": {"Node": {**node, "properties": {**node["properties"], "name": INT}}},
        "$ref": "#/$defs/Node",
    }

    assert check(schema, schema, Compatibility.FULL) == []
    assert rules(check(schema, narrower, Compatibility.BACKWARD)) == {"TYPE_CHANGED"}
