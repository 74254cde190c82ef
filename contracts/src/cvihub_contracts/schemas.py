"""The committed JSON Schema of every event type, major version and revision.

`contracts/schemas/<event_type>/v<version>.<revision>.json` is generated from the models by
`write_all`; CI checks with `stale` that the committed files match the models. Files of earlier
revisions are history the compatibility gate compares against: nothing here rewrites or deletes
them.
"""

import json
from pathlib import Path
from typing import Any

from cvihub_contracts.base import EventData
from cvihub_contracts.catalog import EVENT_MODELS

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The source tree's copy; the CLI and the tests default to it (the workspace installs editable).
SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"


def revision_of(model: type[EventData]) -> int:
    """The revision of a model within its major version."""
    return model.schema_revision


def json_schema(model: type[EventData]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) a payload of this model's current revision follows."""
    schema = model.model_json_schema(mode="validation")
    revision = revision_of(model)
    schema.update(
        {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": model.dataschema(),
            "title": f"{model.event_type} v{model.version}.{revision}",
            "x-cvihub-type": model.event_type,
            "x-cvihub-version": model.version,
            "x-cvihub-revision": revision,
        }
    )
    return schema


def render(schema: dict[str, Any]) -> str:
    """The exact text of a committed schema file: sorted keys, indent 2, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_path(root: Path, model: type[EventData]) -> Path:
    """Where the current revision's schema of a model is committed under `root`."""
    return root / model.event_type / f"v{model.version}.{revision_of(model)}.json"


def write_all(root: Path = SCHEMAS_DIR) -> list[Path]:
    """Write the current revision's schema of every model; return the files that changed."""
    written: list[Path] = []
    for model in EVENT_MODELS:
        path = schema_path(root, model)
        text = render(json_schema(model))
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(root: Path = SCHEMAS_DIR) -> list[str]:
    """Schema files (relative to `root`) missing or different from what the models generate."""
    out: list[str] = []
    for model in EVENT_MODELS:
        path = schema_path(root, model)
        if not path.exists() or path.read_text(encoding="utf-8") != render(json_schema(model)):
            out.append(path.relative_to(root).as_posix())
    return out
