"""Schema compatibility between revisions of one event type and major version.

Modes follow Confluent Schema Registry: BACKWARD (a reader on the new schema reads data written
with the old), FORWARD (a reader on the old schema reads data written with the new), FULL (both),
each *_TRANSITIVE against every earlier revision instead of only the previous one, and NONE.

Every check is one question, asked per direction: does the reader's schema accept every value
the writer's schema accepts? BACKWARD asks it with writer = old, reader = new; FORWARD with
writer = new, reader = old. Rule names are Confluent's JSON Schema difference types, read as a
change from the writer's schema to the reader's; the hub adds FORMAT_*, DEFAULT_CHANGED and
UNSUPPORTED_KEYWORD_CHANGED. Each rule below is an incompatibility (the compatible cases are
listed for contrast only):

rule (reader vs writer)                          why the writer's data breaks the reader
-----------------------------------------------  ------------------------------------------------
TYPE_CHANGED       none of the writer's types    every value fails
TYPE_NARROWED      a type dropped (X|null -> X,  those values fail
                   number -> integer)
ENUM_ARRAY_NARROWED  a writer enum value gone    that value fails
ENUM_ADDED         reader restricts to an enum   any other value fails
MIN_LENGTH_ADDED / _INCREASED                    shorter strings fail
MAX_LENGTH_ADDED / _DECREASED                    longer strings fail
PATTERN_ADDED / _CHANGED                         regex inclusion is not provable: any change
FORMAT_ADDED / _CHANGED                          pydantic enforces formats (date -> date-time)
MINIMUM_ADDED / _INCREASED                       smaller numbers fail (minimum, exclusiveMinimum)
MAXIMUM_ADDED / _DECREASED                       larger numbers fail (maximum, exclusiveMaximum)
MULTIPLE_OF_ADDED / _CHANGED                     the new step does not divide the old
MIN_ITEMS_ADDED / _INCREASED                     shorter arrays fail
MAX_ITEMS_ADDED / _DECREASED                     longer arrays fail
UNIQUE_ITEMS_ADDED                               arrays with duplicates fail
REQUIRED_ATTRIBUTE_ADDED                         a known property became required without a
                                                 default: the writer may leave it out
REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL  a new required property without a default: the
                                                 writer never sends it
PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL             a new constrained property where the writer
                                                 allowed any extra property: extras may not fit
PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL   the same where the writer's
                                                 additionalProperties schema is not within it
PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL       a property gone where the reader forbids extras
                                                 (pydantic extra=forbid): now an unknown field
PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL   a property gone and the
                                                 reader's additionalProperties rejects its values
ADDITIONAL_PROPERTIES_REMOVED                    writer allowed extras, reader forbids them
ADDITIONAL_PROPERTIES_NARROWED                   reader's additionalProperties schema stricter
SUM_TYPE_NARROWED                                an anyOf branch of the writer fits no branch of
                                                 the reader
DEFAULT_CHANGED                                  (hub rule; Confluent ignores defaults) a value
                                                 left out, as the hub leaves out nulls on the
                                                 wire, means something else to the reader
UNSUPPORTED_KEYWORD_CHANGED                      any other validation keyword differs (oneOf,
                                                 allOf of several, not, patternProperties...):
                                                 not analysed, so refused

Compatible, for contrast: an optional property added to a closed writer (BACKWARD: old data never
has it); a property removed from an open reader; a required property added with a default
(Confluent: REQUIRED_PROPERTY_WITH_DEFAULT_ADDED); enum values added, types widened (integer ->
number, X -> X or null), constraints relaxed; annotations (title, description, x-*) changed.
With additionalProperties false on both sides an added optional field is BACKWARD but not
FORWARD compatible: old readers reject the unknown field, hence the hub's BACKWARD_TRANSITIVE.
"""

import json
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cvihub_contracts.base import EventData
from cvihub_contracts.catalog import EVENT_MODELS
from cvihub_contracts.schemas import SCHEMAS_DIR, json_schema, revision_of


class Compatibility(StrEnum):
    """A Confluent Schema Registry compatibility mode."""

    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @property
    def transitive(self) -> bool:
        """Whether every earlier revision counts, not only the previous one."""
        return self.value.endswith("_TRANSITIVE")


DEFAULT_COMPATIBILITY = Compatibility.BACKWARD_TRANSITIVE
# Per-type overrides, for a type whose model declares no `compatibility` ClassVar.
COMPATIBILITY: dict[str, Compatibility] = {}


def compatibility_of(model: type[EventData]) -> Compatibility:
    """The compatibility mode of a model's event type."""
    declared = getattr(model, "compatibility", None)
    if declared is not None:
        return Compatibility(str(getattr(declared, "value", declared)).upper())
    return COMPATIBILITY.get(model.event_type, DEFAULT_COMPATIBILITY)


@dataclass(frozen=True)
class Incompatibility:
    """One way a reader's schema rejects what a writer's schema allows."""

    pointer: str
    rule: str
    detail: str
    direction: str  # "backward": new reads old; "forward": old reads new

    def __str__(self) -> str:
        return f"{self.pointer}: {self.rule} ({self.direction}): {self.detail}"


def check(
    old_schema: dict[str, Any], new_schema: dict[str, Any], mode: str
) -> list[Incompatibility]:
    """Every incompatibility between two schemas under a mode (one pair; see `gate`)."""
    mode = Compatibility(str(mode).upper())
    found: list[Incompatibility] = []
    if mode in (Compatibility.NONE,):
        return found
    if not mode.startswith("FORWARD"):
        found += _Checker(old_schema, new_schema, "backward").run()
    if not mode.startswith("BACKWARD"):
        found += _Checker(new_schema, old_schema, "forward").run()
    return found


_ANNOTATIONS = {
    "$schema", "$id", "$defs", "definitions", "$comment", "title", "description", "examples",
    "deprecated", "readOnly", "writeOnly", "default",
}  # fmt: skip
_HANDLED = {
    "type", "enum", "const", "anyOf", "allOf", "$ref", "minLength", "maxLength", "pattern",
    "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "items", "minItems", "maxItems", "uniqueItems", "properties", "required",
    "additionalProperties",
}  # fmt: skip
_NOTHING: dict[str, Any] = {"not": {}}  # the `false` schema


class _Checker:
    """Does `reader` accept everything `writer` accepts? Collects each reason it does not."""

    def __init__(self, writer: dict[str, Any], reader: dict[str, Any], direction: str) -> None:
        self.roots = (writer, reader)
        self.direction = direction
        self.found: list[Incompatibility] = []
        self.active: set[tuple[str, str]] = set()  # $ref pairs being compared: cycle guard

    def run(self) -> list[Incompatibility]:
        self.compare(self.roots[0], self.roots[1], "#")
        return self.found

    def report(self, pointer: str, rule: str, detail: str) -> None:
        self.found.append(Incompatibility(pointer, rule, detail, self.direction))

    def trial(self, writer: Any, reader: Any, pointer: str) -> list[Incompatibility]:
        """Compare without reporting; return what would be reported."""
        saved, self.found = self.found, []
        try:
            self.compare(writer, reader, pointer)
            return self.found
        finally:
            self.found = saved

    def resolve(self, node: Any, side: int) -> tuple[dict[str, Any], str]:
        """The schema with local $refs (and one-element allOf) merged in; and its ref chain."""
        if node is True or node is None:
            return {}, ""
        if node is False:
            return _NOTHING, ""
        schema, refs = dict(node), ""
        while "$ref" in schema or ("allOf" in schema and len(schema["allOf"]) == 1):
            if "$ref" in schema:
                ref = schema.pop("$ref")
                if not str(ref).startswith("#/"):
                    return {**schema, "x-unresolved-ref": ref}, refs
                target: Any = self.roots[side]
                for part in str(ref)[2:].split("/"):
                    target = target[part.replace("~1", "/").replace("~0", "~")]
                refs += ref
            else:
                target = schema.pop("allOf")[0]
            schema = {**target, **schema} if isinstance(target, dict) else schema
        return schema, refs

    def compare(self, writer_node: Any, reader_node: Any, pointer: str) -> None:
        writer, wref = self.resolve(writer_node, 0)
        reader, rref = self.resolve(reader_node, 1)
        if (wref or rref) and (wref, rref) in self.active:
            return  # a recursive schema: assume what is being proved further up
        self.active.add((wref, rref))
        try:
            self._compare(writer, reader, pointer)
        finally:
            self.active.discard((wref, rref))

    def _compare(self, writer: dict[str, Any], reader: dict[str, Any], pointer: str) -> None:
        if writer is _NOTHING:
            return  # the writer never sends anything here
        if "default" in writer and "default" in reader and writer["default"] != reader["default"]:
            self.report(
                pointer,
                "DEFAULT_CHANGED",
                f"default {json.dumps(writer['default'])} -> {json.dumps(reader['default'])}",
            )
        if not any(k not in _ANNOTATIONS and not k.startswith("x-") for k in reader):
            return  # the reader accepts anything
        writer_branches, reader_branches = _branches(writer), _branches(reader)
        if len(writer_branches) == 1 and len(reader_branches) == 1:
            self._single(writer_branches[0], reader_branches[0], pointer)
            return
        for branch in writer_branches:
            attempts = [self.trial(branch, option, pointer) for option in reader_branches]
            if any(not problems for problems in attempts):
                continue
            kinds = _types(self.resolve(branch, 0)[0])
            typed = [
                problems
                for option, problems in zip(reader_branches, attempts, strict=True)
                if _types(self.resolve(option, 1)[0]) & kinds
            ]
            if not kinds and len(reader_branches) == 1:
                typed = attempts  # an untyped branch: the one reader branch says why
            if typed:
                best: list[Incompatibility] = min(typed, key=len)
                self.found.extend(best)
                continue
            if len(writer_branches) == 1:
                rule = "TYPE_CHANGED"
            else:
                rule = "TYPE_NARROWED" if len(reader_branches) == 1 else "SUM_TYPE_NARROWED"
            accepted = "/".join(sorted(kinds)) or "its values"
            self.report(pointer, rule, f"no reader branch accepts {accepted}")

    def _single(self, writer: dict[str, Any], reader: dict[str, Any], pointer: str) -> None:
        if reader is _NOTHING:
            self.report(pointer, "TYPE_CHANGED", "the reader accepts nothing here")
            return
        writer_types = _types(writer) or _value_types(writer)
        reader_types = _types(reader)
        if reader_types and not writer_types:
            self.report(pointer, "TYPE_NARROWED", f"the reader requires {sorted(reader_types)}")
            return
        if reader_types and writer_types:
            lost = {t for t in writer_types if not _covered(t, reader_types)}
            if lost:
                # number -> integer keeps the integral numbers: narrowed, not changed.
                overlap = lost != writer_types or ("number" in lost and "integer" in reader_types)
                rule = "TYPE_NARROWED" if overlap else "TYPE_CHANGED"
                self.report(pointer, rule, f"{sorted(lost)} no longer accepted")
                writer_types = writer_types - lost
                if not writer_types:
                    return
        values = _enum(writer)
        if values is not None:
            for value in values:
                rejected = _rejects(reader, value)
                if rejected and _covered(_json_type(value), writer_types):
                    self.report(pointer, rejected, f"value {json.dumps(value)} no longer accepted")
            return
        if _enum(reader) is not None:
            self.report(pointer, "ENUM_ADDED", "the reader accepts only an enum")
            return
        may = writer_types or {"string", "number", "integer", "array", "object"}
        if "string" in may:
            self._bounds(writer, reader, pointer, "minLength", "MIN_LENGTH", lower=True)
            self._bounds(writer, reader, pointer, "maxLength", "MAX_LENGTH", lower=False)
            for key, rule in (("pattern", "PATTERN"), ("format", "FORMAT")):
                if key in reader and writer.get(key) != reader[key]:
                    change = "CHANGED" if key in writer else "ADDED"
                    self.report(pointer, f"{rule}_{change}", f"{key} {reader[key]}")
        if may & {"number", "integer"}:
            self._numeric(writer, reader, pointer)
        if "array" in may:
            self._bounds(writer, reader, pointer, "minItems", "MIN_ITEMS", lower=True)
            self._bounds(writer, reader, pointer, "maxItems", "MAX_ITEMS", lower=False)
            if reader.get("uniqueItems") and not writer.get("uniqueItems"):
                self.report(pointer, "UNIQUE_ITEMS_ADDED", "items must be unique")
            self.compare(writer.get("items", {}), reader.get("items", {}), f"{pointer}/items")
        if "object" in may:
            self._object(writer, reader, pointer)
        for key in sorted((set(writer) | set(reader)) - _ANNOTATIONS - _HANDLED):
            if not key.startswith("x-") and writer.get(key) != reader.get(key):
                self.report(pointer, "UNSUPPORTED_KEYWORD_CHANGED", f"{key} differs")

    def _bounds(
        self, writer: dict[str, Any], reader: dict[str, Any], pointer: str, key: str, rule: str,
        *, lower: bool,
    ) -> None:  # fmt: skip
        if key not in reader:
            return
        if key not in writer:
            self.report(pointer, f"{rule}_ADDED", f"{key} {reader[key]}")
        elif (reader[key] > writer[key]) if lower else (reader[key] < writer[key]):
            change = "INCREASED" if lower else "DECREASED"
            self.report(pointer, f"{rule}_{change}", f"{key} {writer[key]} -> {reader[key]}")

    def _numeric(self, writer: dict[str, Any], reader: dict[str, Any], pointer: str) -> None:
        for side, rule in ((-1, "MINIMUM"), (1, "MAXIMUM")):
            theirs, ours = _bound(reader, side), _bound(writer, side)
            if theirs is None:
                continue
            if ours is None:
                self.report(pointer, f"{rule}_ADDED", f"bound {theirs[0]}")
            elif side * theirs[0] < side * ours[0] or (
                theirs[0] == ours[0] and theirs[1] and not ours[1]
            ):
                change = "INCREASED" if side < 0 else "DECREASED"
                self.report(pointer, f"{rule}_{change}", f"bound {ours[0]} -> {theirs[0]}")
        step = reader.get("multipleOf")
        if step is not None:
            mine = writer.get("multipleOf")
            if mine is None:
                self.report(pointer, "MULTIPLE_OF_ADDED", f"multipleOf {step}")
            elif not math.isclose(mine / step, round(mine / step)):
                self.report(pointer, "MULTIPLE_OF_CHANGED", f"multipleOf {mine} -> {step}")

    def _object(self, writer: dict[str, Any], reader: dict[str, Any], pointer: str) -> None:
        w_props, r_props = writer.get("properties", {}), reader.get("properties", {})
        w_req, r_req = set(writer.get("required", [])), set(reader.get("required", []))
        w_extra = writer.get("additionalProperties", True)
        r_extra = reader.get("additionalProperties", True)
        for name in sorted(set(w_props) | set(r_props) | r_req):
            at = f"{pointer}/properties/{name.replace('~', '~0').replace('/', '~1')}"
            if name in r_req and name not in w_req and "default" not in r_props.get(name, {}):
                if name in w_props:
                    self.report(at, "REQUIRED_ATTRIBUTE_ADDED", "now required, no default")
                else:
                    rule = "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
                    self.report(at, rule, "new required property without a default")
            if name in w_props and name in r_props:
                self.compare(w_props[name], r_props[name], at)
            elif name in w_props:
                if r_extra is False:
                    rule = "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
                    self.report(at, rule, "the reader forbids unknown properties")
                elif self.trial(w_props[name], r_extra, at):
                    rule = "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                    self.report(at, rule, "additionalProperties does not accept its values")
            elif (
                name in r_props and w_extra is not False and self.trial(w_extra, r_props[name], at)
            ):
                open_model = self.resolve(w_extra, 0)[0] == {}
                rule = (
                    "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
                    if open_model
                    else "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                )
                self.report(at, rule, "writer's extra properties may not fit it")
        if w_extra is not False:
            at = f"{pointer}/additionalProperties"
            if r_extra is False:
                self.report(at, "ADDITIONAL_PROPERTIES_REMOVED", "the reader forbids extras")
            elif self.trial(w_extra, r_extra, at):
                self.report(at, "ADDITIONAL_PROPERTIES_NARROWED", "extras may no longer fit")


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """anyOf alternatives, each with the sibling keywords it is conjoined with."""
    if "anyOf" not in schema:
        return [schema]
    shared = {k: v for k, v in schema.items() if k != "anyOf" and k not in _ANNOTATIONS}
    return [{**shared, **branch} for branch in schema["anyOf"]]


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    return set() if kind is None else {kind} if isinstance(kind, str) else set(kind)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), "unknown")


def _enum(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    return list(schema["enum"]) if "enum" in schema else None


def _value_types(schema: dict[str, Any]) -> set[str]:
    values = _enum(schema)
    return set() if values is None else {_json_type(v) for v in values}


def _covered(kind: str, accepted: set[str]) -> bool:
    return kind in accepted or (kind == "integer" and "number" in accepted)


def _bound(schema: dict[str, Any], side: int) -> tuple[float, bool] | None:
    """The stricter of (minimum, exclusiveMinimum) or of the maximums, as (value, exclusive)."""
    plain, strict = ("minimum", "exclusiveMinimum") if side < 0 else ("maximum", "exclusiveMaximum")
    found = [(schema[key], key == strict) for key in (plain, strict) if key in schema]
    if not found:
        return None
    return max(found, key=lambda b: (-side * b[0], b[1]))


def _rejects(schema: dict[str, Any], value: Any) -> str | None:
    """The rule under which a single-branch reader schema rejects a writer's enum value."""
    kinds = _types(schema)
    if kinds and not _covered(_json_type(value), kinds):
        return "TYPE_NARROWED"
    allowed = _enum(schema)
    if allowed is not None and value not in allowed:
        return "ENUM_ARRAY_NARROWED"
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return "MIN_LENGTH_ADDED"
        if len(value) > schema.get("maxLength", math.inf):
            return "MAX_LENGTH_ADDED"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return "PATTERN_ADDED"
    if isinstance(value, int | float) and not isinstance(value, bool):
        for side, name in ((-1, "MINIMUM_ADDED"), (1, "MAXIMUM_ADDED")):
            bound = _bound(schema, side)
            if bound and (side * value > side * bound[0] or (value == bound[0] and bound[1])):
                return name
    return None


def gate(root: Path = SCHEMAS_DIR) -> list[str]:
    """Every incompatibility between committed revisions and the current models, per major."""
    current = {(m.event_type, m.version): m for m in EVENT_MODELS}
    history: dict[tuple[str, int], dict[int, dict[str, Any]]] = {}
    for path in sorted(root.glob("*/v*.*.json")):
        match = re.fullmatch(r"v(\d+)\.(\d+)\.json", path.name)
        if match:
            key = (path.parent.name, int(match[1]))
            history.setdefault(key, {})[int(match[2])] = json.loads(path.read_text("utf-8"))
    problems: list[str] = []
    for (event_type, major), model in sorted(current.items()):
        revisions = dict(history.get((event_type, major), {}))
        latest = revision_of(model)
        ahead = [r for r in revisions if r > latest]
        if ahead:
            problems.append(
                f"{event_type} v{major}: committed revision(s) {ahead} are newer than "
                f"the model's revision {latest}; a revision number may never go back"
            )
        revisions[latest] = json_schema(model)  # the model, not its (maybe stale) file
        mode = compatibility_of(model)
        order = sorted(revisions)
        for i, old in enumerate(order):
            later = order[i + 1 :] if mode.transitive else order[i + 1 : i + 2]
            for new in later:
                for issue in check(revisions[old], revisions[new], mode):
                    problems.append(
                        f"{event_type} v{major}.{old} -> v{major}.{new} ({mode.value}): {issue}"
                    )
    return problems
