"""The committed docs/ match what the generator renders, and the catalog covers every contract."""

import re
from pathlib import Path

import pytest

from cvihub_contracts import EventData
from cvihub_contracts.catalog import EVENT_MODELS
from cvihub_contracts.classification import CLASSIFICATION_KEY
from cvihub_docs.catalog import anchor
from cvihub_docs.generate import CATALOG, render_all, repo_root, stale, write

COMMITTED = repo_root() / "docs"


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    """Every generated file, rendered once for this module (it builds all four apps)."""
    return render_all()


def _tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_generated_tree_equals_committed_docs(tmp_path: Path, rendered: dict[str, str]) -> None:
    write(tmp_path, rendered)
    generated = _tree(tmp_path)
    # Only the generated paths are read: docs/ also holds files no generator owns (screenshots).
    committed = {
        path: (COMMITTED / path).read_text(encoding="utf-8")
        for path in generated
        if (COMMITTED / path).is_file()
    }
    assert sorted(generated) == sorted(rendered)
    differing = sorted(path for path in generated if committed.get(path) != generated[path])
    assert differing == [], "stale generated docs; run ./hub docs"
    assert stale(COMMITTED, rendered) == []


def test_check_names_each_stale_file(tmp_path: Path, rendered: dict[str, str]) -> None:
    write(tmp_path, rendered)
    (tmp_path / "openapi" / "intake.json").unlink()
    (tmp_path / CATALOG).write_text("# out of date\n", encoding="utf-8")
    (tmp_path / "asyncapi" / "retired.json").write_text("{}\n", encoding="utf-8")
    found = {(item.path, item.state) for item in stale(tmp_path, rendered)}
    assert found == {
        ("openapi/intake.json", "missing"),
        (CATALOG, "changed"),
        ("asyncapi/retired.json", "unexpected"),
    }


def test_rendering_is_deterministic(rendered: dict[str, str]) -> None:
    assert render_all() == rendered


def test_catalog_has_a_section_for_every_event_type_and_version(rendered: dict[str, str]) -> None:
    catalog = rendered[CATALOG]
    for model in EVENT_MODELS:
        section = _section(catalog, model)
        assert f"`{model.event_type}`" in section
        assert f"`{model.dataschema()}`" in section
        assert f"`{model.topic}`" in section


def test_every_field_classification_appears_in_its_field_table(rendered: dict[str, str]) -> None:
    catalog = rendered[CATALOG]
    for model in EVENT_MODELS:
        cells = _classification_cells(_section(catalog, model))
        assert {c.value for c in model.classifications()} <= cells, model.__name__
        assert "**unclassified**" not in cells, model.__name__


def test_field_table_lists_each_classified_field(rendered: dict[str, str]) -> None:
    catalog = rendered[CATALOG]
    for model in EVENT_MODELS:
        section = _section(catalog, model)
        schema = model.model_json_schema()
        for name, prop in schema["properties"].items():
            if CLASSIFICATION_KEY in prop:
                row = f"| `/{name}` |"
                assert row in section, f"{model.__name__}: {name}"
                line = next(line for line in section.splitlines() if line.startswith(row))
                assert f"`{prop[CLASSIFICATION_KEY]}`" in line


def _section(catalog: str, model: type[EventData]) -> str:
    """The catalog text from this type-and-version's anchor to the next anchor."""
    start = catalog.index(f'<a id="{anchor(model)}"></a>')
    following = catalog.find("<a id=", start + 1)
    return catalog[start : following if following != -1 else len(catalog)]


def _classification_cells(section: str) -> set[str]:
    """The classification column of the section's field table."""
    cells = set()
    for line in section.splitlines():
        if line.startswith("| `/"):
            columns = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
            cells.add(columns[4].strip("`"))
    return cells
