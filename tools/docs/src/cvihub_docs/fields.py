"""The field table of an event: every JSON pointer of its payload schema, nested ones included."""

import json
from dataclasses import dataclass
from typing import Any

from cvihub_contracts.classification import CLASSIFICATION_KEY

# Marks "any index" in a pointer into an array; JSON Pointer itself has no wildcard.
ANY_INDEX = "*"


@dataclass(frozen=True)
class FieldRow:
    """One field of a payload as an integrator needs it."""

    pointer: str
    type: str
    required: bool
    default: str | None
    classification: str | None
    description: str
    constraints: str
    container: bool
    """An object (or array of objects) whose own fields follow, each classified."""


def field_rows(schema: dict[str, Any]) -> list[FieldRow]:
    """Every field of a pydantic JSON Schema, depth first, with `$defs` references resolved."""
    walker = _Walker(schema.get("$defs", {}))
    walker.walk_object(schema, "")
    return walker.rows


def code(value: Any) -> str:
    """A JSON value as inline Markdown code."""
    return f"`{json.dumps(value, ensure_ascii=False)}`"


class _Walker:
    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.rows: list[FieldRow] = []

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """The node with a `$ref` replaced by its definition (siblings of the ref kept)."""
        ref = node.get("$ref")
        if ref is None:
            return node
        target = self.resolve(self.defs[ref.removeprefix("#/$defs/")])
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}

    def walk_object(
        self, schema: dict[str, Any], prefix: str, inherited: str | None = None
    ) -> None:
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            self.walk_property(prop, f"{prefix}/{_escape(name)}", name in required, inherited)

    def walk_property(
        self, prop: dict[str, Any], pointer: str, required: bool, inherited: str | None = None
    ) -> None:
        """One field's row, then its own fields': those of a classified field share its class
        (redaction keeps or drops it whole, e.g. a GeoJSON service area)."""
        options = prop.get("anyOf", [prop])
        nullable = any(option.get("type") == "null" for option in options)
        concrete = [self.resolve(o) for o in options if o.get("type") != "null"]
        # A reference to a model or enum keeps its own description when the field gives none.
        definitions = [self.resolve(o) for o in options if "$ref" in o]
        description = prop.get("description") or next(
            (d["description"] for d in definitions if d.get("description")), ""
        )
        types = [self.type_of(option) for option in concrete]
        if len(concrete) > 1:  # name each alternative, e.g. object (Polygon) or object (…)
            types = [
                f"{kind} ({option['title']})" if kind == "object" and "title" in option else kind
                for kind, option in zip(types, concrete, strict=True)
            ]
        if nullable:
            types.append("null")
        constraints = [c for option in [prop, *concrete] for c in self.constraints_of(option)]
        children = [self.children_of(option) for option in concrete]
        classification = prop.get(CLASSIFICATION_KEY) or inherited
        self.rows.append(
            FieldRow(
                pointer=pointer,
                type=" or ".join(types),
                required=required,
                default=code(prop["default"]) if "default" in prop else None,
                classification=classification,
                description=" ".join(description.split()),
                constraints="; ".join(dict.fromkeys(constraints)),
                container=any(child is not None for child in children),
            )
        )
        for child in children:
            if child is not None:
                self.walk_object(child[0], pointer + child[1], classification)

    def children_of(self, node: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
        """The object schema whose fields nest under this one, and the pointer step to it."""
        if node.get("properties"):
            return node, ""
        if node.get("type") == "array" and "items" in node:
            items = self.resolve(node["items"])
            if items.get("properties"):
                return items, f"/{ANY_INDEX}"
        return None

    def type_of(self, node: dict[str, Any]) -> str:
        node = self.resolve(node)
        if "const" in node:
            return f"constant {code(node['const'])}"
        kind = node.get("type", "any")
        if isinstance(kind, list):
            return " or ".join(kind)
        if kind == "array" and "prefixItems" in node:  # a tuple, e.g. [longitude, latitude]
            return "[" + ", ".join(self.type_of(item) for item in node["prefixItems"]) + "]"
        if kind == "array":
            items = node.get("items")
            return f"array of {self.type_of(items)}" if items else "array"
        if "enum" in node:
            return f"{kind} (enum)"
        if "format" in node:
            return f"{kind} ({node['format']})"
        return str(kind)

    def constraints_of(self, node: dict[str, Any]) -> list[str]:
        found: list[str] = []
        if "enum" in node:
            found.append("one of " + ", ".join(code(v) for v in node["enum"]))
        if "pattern" in node:
            found.append(f"pattern `{node['pattern']}`")
        for key, text in _BOUNDS.items():
            if key in node:
                found.append(f"{text} {node[key]}")
        if node.get("type") == "array" and "items" in node:
            found.extend(f"each: {c}" for c in self.constraints_of(self.resolve(node["items"])))
        for index, item in enumerate(node.get("prefixItems", [])):
            found.extend(f"[{index}]: {c}" for c in self.constraints_of(self.resolve(item)))
        return found


_BOUNDS = {
    "minLength": "min length",
    "maxLength": "max length",
    "minimum": "≥",
    "exclusiveMinimum": ">",
    "maximum": "≤",
    "exclusiveMaximum": "<",
    "minItems": "min items",
    "maxItems": "max items",
}


def _escape(name: str) -> str:
    """A property name as a JSON Pointer reference token (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")
