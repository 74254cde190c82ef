"""What the catalog says about each event besides its fields: who publishes and reads it, its keys.

Publishing goes through each service's outbox, which FastStream cannot see, so publications are
found from the contracts (a `submission` body means partners publish it through an HTTP route)
and from the services' source (the service that constructs the payload class publishes it).
"""

import ast
import functools
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from cvihub_contracts import topics
from cvihub_contracts.base import EventData
from cvihub_contracts.streams import Stream
from cvihub_docs.specs import ServiceSpecs


@dataclass(frozen=True)
class Route:
    """An HTTP operation of a service that accepts a submission body."""

    service: str
    method: str
    path: str


def submission_routes(submission: type[BaseModel], specs: Iterable[ServiceSpecs]) -> list[Route]:
    """The operations whose JSON request body is exactly this submission model."""
    title = submission.model_json_schema().get("title", submission.__name__)
    routes = []
    for spec in specs:
        schemas = spec.openapi.get("components", {}).get("schemas", {})
        for path, operations in spec.openapi.get("paths", {}).items():
            for method, operation in operations.items():
                body = operation.get("requestBody", {}).get("content", {})
                ref = body.get("application/json", {}).get("schema", {}).get("$ref", "")
                target = schemas.get(ref.removeprefix("#/components/schemas/"), {})
                if ref and target.get("title") == title:
                    routes.append(Route(spec.name, method.upper(), path))
    return routes


def constructing_services(model: type[EventData], services: Iterable[str]) -> list[str]:
    """The services whose source calls the payload class directly, i.e. build it to publish."""
    return [name for name in services if model.__name__ in _called_names(f"cvihub_{name}")]


@functools.cache
def _called_names(package: str) -> frozenset[str]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    names = set()
    for location in spec.submodule_search_locations:
        for source in sorted(Path(location).rglob("*.py")):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    names.add(_called_name(node.func))
    return frozenset(name for name in names if name is not None)


def _called_name(func: ast.expr) -> str | None:
    # Model(...) or module.Model(...); Model.model_validate(...) reads stored data, not a publish.
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def consumers(topic: str, specs: Iterable[ServiceSpecs]) -> list[str]:
    """The hub services whose broker subscribes to the topic."""
    return [spec.name for spec in specs if topic in spec.subscribed_topics()]


def stream_of(topic: str) -> Stream | None:
    """The partner-facing stream a topic carries (`cvihub.<stream>.vN`), if it is one."""
    parts = topic.split(".")
    name = parts[1] if len(parts) == 3 else None
    return next((stream for stream in Stream if stream.value == name), None)


def topic_constants() -> dict[str, str]:
    """Every topic, in the order `topics.ALL` lists them, with its constant's name."""
    names = {
        value: name
        for name, value in vars(topics).items()
        if name.isupper() and isinstance(value, str)
    }
    ordered = getattr(topics, "ALL", tuple(names))
    return {topic: names.get(topic, topic) for topic in ordered}


def key_rule(example: EventData, method: str) -> str:
    """How a key (partition_key, subject) is built: its docstring, or a template from the example.

    The template replaces each top-level field value found in the example's key by `{field}`;
    when two fields share that value it cannot tell them apart and points to the code instead.
    """
    model = type(example)
    own_doc = getattr(model, method).__doc__
    if own_doc and own_doc != getattr(EventData, method).__doc__:
        return " ".join(own_doc.split())
    value = getattr(example, method)()
    if value is None:
        return "not set"
    fallback = f"see `{model.__name__}.{method}()`; e.g. `{value}`"
    scalars = {
        name: str(field_value)
        for name, field_value in example.model_dump(mode="json").items()
        if isinstance(field_value, str | int) and len(str(field_value)) >= 3
    }
    values = list(scalars.values())
    template = str(value)
    for name, text in sorted(scalars.items(), key=lambda item: -len(item[1])):
        if text in template:
            if values.count(text) > 1:
                return fallback
            template = template.replace(text, "{" + name + "}")
    return fallback if template == value else f"`{template}`, e.g. `{value}`"


def upcasters() -> dict[tuple[str, int], Callable[..., Any]]:
    """(type, from major) -> the function upcasting to the next major, where there is one."""
    try:
        module = importlib.import_module("cvihub_contracts.upcasting")
    except ImportError:
        return {}
    found: dict[tuple[str, int], Callable[..., Any]] = getattr(module, "UPCASTERS", {})
    return found
