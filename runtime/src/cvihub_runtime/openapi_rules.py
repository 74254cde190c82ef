"""Cross-field rules in the OpenAPI documents: what JSON Schema can say goes in the body's
schema (`allOf`), every rule goes in words into its description, and a period's order also
into the end field's description (`cvihub_contracts.rules`)."""

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from cvihub_contracts.rules import cross_field_rules

RULES_HEADING = "Rules across fields:"


def _models() -> Iterator[type[BaseModel]]:
    # Every model class imported so far: a body may be read by hand (intake's CloudEvents and
    # uploads), so the routes do not name every model their documents show.
    pending = list(BaseModel.__subclasses__())
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model not in seen:
            seen.add(model)
            pending.extend(model.__subclasses__())
            yield model


def _fields(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def document_rules(schemas: dict[str, Any]) -> None:
    """Add each model's cross-field rules to the component schemas made from it (same title,
    same properties: a title alone may be shared by two models)."""
    by_title: dict[str, list[dict[str, Any]]] = {}
    for component in schemas.values():
        by_title.setdefault(str(component.get("title")), []).append(component)
    for model in _models():
        components = by_title.get(model.__name__, [])
        rules = cross_field_rules(model) if components else []
        for component in components if rules else []:
            if set(component.get("properties", {})) != _fields(model):
                continue
            if RULES_HEADING in component.get("description", ""):
                continue  # one schema object handed out twice
            sentences = " ".join(rule.text for rule in rules)
            component["description"] = (
                f"{component.get('description', '').rstrip()}\n\n{RULES_HEADING} {sentences}"
            ).lstrip()
            in_schema = [rule.schema for rule in rules if rule.schema is not None]
            if in_schema:
                component["allOf"] = [*component.get("allOf", []), *in_schema]
            properties = component["properties"]
            for rule in rules:
                if rule.schema is None and rule.fields and rule.fields[0] in properties:
                    prop = properties[rule.fields[0]]
                    prop["description"] = f"{prop.get('description', '')} {rule.text}".strip()
