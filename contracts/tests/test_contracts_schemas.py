"""Committed JSON Schemas: current and compatible across revisions; invalid examples."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertV1
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.base import EventData
from cvihub_contracts.catalog import EVENT_MODELS
from cvihub_contracts.compatibility import COMPATIBILITY, Compatibility, check, gate
from cvihub_contracts.invalid_examples import INVALID_EXAMPLES, InvalidExample, payload_errors
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.schemas import (
    JSON_SCHEMA_DIALECT,
    SCHEMAS_DIR,
    json_schema,
    render,
    schema_path,
    stale,
    write_all,
)

MODEL_IDS = [f"{m.event_type}.v{m.version}" for m in EVENT_MODELS]


def _committed(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.json"))}


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, root)
    return root


def test_committed_schemas_match_the_models(tmp_path: Path) -> None:
    written = write_all(tmp_path)
    committed = _committed(SCHEMAS_DIR)

    assert len(written) == len(EVENT_MODELS)
    for name, text in _committed(tmp_path).items():
        assert committed.get(name) == text, f"{name} drifted: run ./hub contracts schemas"
    assert stale(SCHEMAS_DIR) == []


def test_committed_schemas_pass_the_gate() -> None:
    assert gate(SCHEMAS_DIR) == []


@pytest.mark.parametrize("model", EVENT_MODELS, ids=MODEL_IDS)
def test_schema_names_its_type_version_and_revision(model: type[EventData]) -> None:
    schema = json_schema(model)
    path = schema_path(Path("/r"), model)

    assert schema["$schema"] == JSON_SCHEMA_DIALECT
    assert schema["$id"] == model.dataschema()
    assert schema["$id"].endswith(f"/v{model.version}.{model.schema_revision}.json")
    assert schema["x-cvihub-type"] == model.event_type
    assert (schema["x-cvihub-version"], schema["x-cvihub-revision"]) == (
        model.version,
        model.schema_revision,
    )
    assert schema["additionalProperties"] is False
    assert path == Path(f"/r/{model.event_type}/v{model.version}.{model.schema_revision}.json")


def test_rendering_is_deterministic() -> None:
    text = render(json_schema(ReferralSubmittedV1))

    assert text == render(json.loads(text))
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.index('"$defs"') < text.index('"properties"')  # sorted keys


def test_stale_names_missing_and_changed_files(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    schema_path(root, ReferralSubmittedV1).write_text("{}\n")
    schema_path(root, IncidentAlertV2).unlink()

    assert stale(root) == [
        schema_path(root, m).relative_to(root).as_posix()
        for m in (ReferralSubmittedV1, IncidentAlertV2)
    ]


def test_write_all_keeps_earlier_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(tmp_path)
    earlier = schema_path(root, ReferralSubmittedV1)
    history = earlier.read_text()
    revision = ReferralSubmittedV1.schema_revision + 1
    monkeypatch.setattr(ReferralSubmittedV1, "schema_revision", revision)

    written = write_all(root)

    assert written == [root / ReferralSubmittedV1.event_type / f"v1.{revision}.json"]
    assert earlier.read_text() == history
    assert gate(root) == []  # the same fields under a new revision: compatible


def _drop_field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    older = json.loads(json.dumps(schema))
    del older["properties"][name]
    older["required"].remove(name)
    return older


def test_gate_catches_a_new_required_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(tmp_path)
    # As if the current revision lacked referring_partner_id and the next added it as required.
    current = ReferralStatusChangedV1.schema_revision
    older = _drop_field(json_schema(ReferralStatusChangedV1), "referring_partner_id")
    # Only that revision in the history, so the one step is the one compared.
    for earlier in (root / ReferralStatusChangedV1.event_type).glob("v1.*.json"):
        earlier.unlink()
    schema_path(root, ReferralStatusChangedV1).write_text(render(older))
    monkeypatch.setattr(ReferralStatusChangedV1, "schema_revision", current + 1)

    problems = gate(root)

    assert len(problems) == 1
    step = f"v1.{current} -> v1.{current + 1} (BACKWARD_TRANSITIVE)"
    assert f"org.cvihub.referral.status-changed {step}" in problems[0]
    assert "#/properties/referring_partner_id" in problems[0]
    assert "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL" in problems[0]


def test_a_new_required_field_in_a_copy_of_a_committed_schema_is_incompatible() -> None:
    committed = json.loads(schema_path(SCHEMAS_DIR, ReferralSubmittedV1).read_text())
    changed = json.loads(json.dumps(committed))
    changed["properties"]["ward"] = {"type": "string"}
    changed["required"].append("ward")

    [issue] = check(committed, changed, Compatibility.BACKWARD_TRANSITIVE)

    assert (issue.pointer, issue.rule) == (
        "#/properties/ward",
        "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    )


def test_transitive_mode_compares_with_every_earlier_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(tmp_path)
    current = json_schema(ReferralSubmittedV1)
    language = ("$defs", "Patient", "properties", "preferred_language")
    # r0 defaulted the language to French, r1 had no default, r2 (the model) defaults to English:
    # each step is compatible with the one before, r0 -> r2 is not.
    r0, r1 = json.loads(json.dumps(current)), json.loads(json.dumps(current))
    _dig(r0, language)["default"] = "fr"
    del _dig(r1, language)["default"]
    (schema_path(root, ReferralSubmittedV1).parent / "v1.0.json").write_text(render(r0))
    (schema_path(root, ReferralSubmittedV1).parent / "v1.1.json").write_text(render(r1))
    monkeypatch.setattr(ReferralSubmittedV1, "schema_revision", 2)

    problems = gate(root)
    monkeypatch.setitem(COMPATIBILITY, ReferralSubmittedV1.event_type, Compatibility.BACKWARD)

    assert len(problems) == 1
    assert "v1.0 -> v1.2" in problems[0] and "DEFAULT_CHANGED" in problems[0]
    assert gate(root) == []


def _dig(node: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for part in path:
        node = node[part]
    return node


def test_a_revision_number_never_goes_back(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    current = schema_path(root, ReferralSubmittedV1)
    shutil.copy(current, current.parent / "v1.3.json")

    [problem] = gate(root)

    revision = ReferralSubmittedV1.schema_revision
    assert f"[3] are newer than the model's revision {revision}" in problem


def test_a_new_major_is_exempt_from_the_gate() -> None:
    v1, v2 = json_schema(IncidentAlertV1), json_schema(IncidentAlertV2)

    assert check(v1, v2, Compatibility.BACKWARD) != []
    assert gate(SCHEMAS_DIR) == []


@pytest.mark.parametrize("model", EVENT_MODELS, ids=MODEL_IDS)
def test_every_type_and_version_has_two_invalid_examples(model: type[EventData]) -> None:
    examples = INVALID_EXAMPLES[model]

    assert len(examples) >= 2
    assert all(example.model is model for example in examples)


ALL_INVALID = [example for examples in INVALID_EXAMPLES.values() for example in examples]


@pytest.mark.parametrize(
    "example",
    ALL_INVALID,
    ids=[f"{e.model.event_type}.v{e.model.version}: {e.name}" for e in ALL_INVALID],
)
def test_invalid_example_gives_exactly_its_errors(example: InvalidExample) -> None:
    found = payload_errors(example.model, example.payload)

    assert [{"pointer": e.pointer, "code": e.code} for e in found] == example.errors
    assert example.errors  # each one really is invalid
