"""Render every generated document, write them under docs/, or list the ones that are stale."""

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cvihub_docs.catalog import render_catalog
from cvihub_docs.specs import service_specs

# The generator owns these directories: a file in them it did not render is stale.
OWNED_DIRS = ("openapi", "asyncapi")
CATALOG = "catalog.md"


def repo_root() -> Path:
    """The repository root, found from this file (tools/docs/src/cvihub_docs/)."""
    return Path(__file__).resolve().parents[4]


def to_json(document: Any) -> str:
    """Stable JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_all() -> dict[str, str]:
    """Every generated file's text by its path relative to docs/."""
    specs = service_specs()
    files = {}
    for spec in specs:
        files[f"openapi/{spec.name}.json"] = to_json(spec.openapi)
        files[f"asyncapi/{spec.name}.json"] = to_json(spec.asyncapi)
    files[CATALOG] = render_catalog(specs)
    return files


@dataclass(frozen=True)
class Stale:
    """One generated file that differs from what is on disk."""

    path: str
    state: str  # missing | changed | unexpected
    added: int = 0
    removed: int = 0

    def __str__(self) -> str:
        counts = f" (+{self.added} -{self.removed} lines)" if self.state == "changed" else ""
        return f"{self.state}: docs/{self.path}{counts}"


def stale(docs_dir: Path, files: dict[str, str]) -> list[Stale]:
    """The files under docs_dir that are missing, differ from `files`, or should not be there."""
    found = []
    for path, text in sorted(files.items()):
        target = docs_dir / path
        if not target.is_file():
            found.append(Stale(path, "missing"))
            continue
        current = target.read_text(encoding="utf-8")
        if current != text:
            diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(), n=0))
            added = sum(1 for d in diff if d.startswith("+") and not d.startswith("+++"))
            removed = sum(1 for d in diff if d.startswith("-") and not d.startswith("---"))
            found.append(Stale(path, "changed", added, removed))
    found += [Stale(path, "unexpected") for path in _unexpected(docs_dir, files)]
    return found


def write(docs_dir: Path, files: dict[str, str]) -> list[Stale]:
    """Write the files that are missing or changed and remove strays; what was stale."""
    found = stale(docs_dir, files)
    for item in found:
        target = docs_dir / item.path
        if item.state == "unexpected":
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(files[item.path], encoding="utf-8")
    return found


def _unexpected(docs_dir: Path, files: dict[str, str]) -> list[str]:
    strays = []
    for owned in OWNED_DIRS:
        for path in sorted((docs_dir / owned).glob("*")):
            relative = path.relative_to(docs_dir).as_posix()
            if path.is_file() and relative not in files:
                strays.append(relative)
    return strays
