"""`cvihub contracts`: list, validate, schemas, gate."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cvihub_cli.main import app
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertV1
from cvihub_contracts.catalog import EVENT_MODELS
from cvihub_contracts.examples import EXAMPLES, incident_alert, referral_submitted
from cvihub_contracts.invalid_examples import INVALID_EXAMPLES
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.schemas import SCHEMAS_DIR, json_schema, render, schema_path

runner = CliRunner()
REFERRAL = "org.cvihub.referral.submitted"
ALERT = "org.cvihub.incident-alert.published"


def cvihub(*args: str) -> Result:
    return runner.invoke(app, ["contracts", *args], env={"COLUMNS": "300"})


def write(tmp_path: Path, payload: Any, name: str = "payload.json") -> str:
    path = tmp_path / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return str(path)


def referral_body() -> dict[str, Any]:
    """What a hospital POSTs to intake: the event payload without the fields the hub sets."""
    event = referral_submitted().model_dump(mode="json", exclude_none=True)
    for hub_field in ("referral_id", "referring_partner_id", "submitted_at"):
        del event[hub_field]
    return event


def test_list_shows_every_type_version_topic_and_schema() -> None:
    result = cvihub("list")

    assert result.exit_code == 0, result.output
    for model in EVENT_MODELS:
        assert model.event_type in result.output
        assert model.dataschema() in result.output
        assert model.topic in result.output
    assert "2.0" in result.output  # the incident alert's second major


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: f"{m.event_type}.v{m.version}")
def test_validate_accepts_each_example_event(model: type, tmp_path: Path) -> None:
    payload = EXAMPLES[model]().model_dump(mode="json", exclude_none=True)

    result = cvihub(
        "validate", model.event_type, write(tmp_path, payload), "--version", str(model.version)
    )

    assert result.exit_code == 0, result.output
    assert f"OK: a valid {model.event_type} v{model.version} event payload" in result.output


def test_validate_accepts_the_intake_body(tmp_path: Path) -> None:
    result = cvihub("validate", REFERRAL, write(tmp_path, referral_body()))

    assert result.exit_code == 0, result.output
    assert "intake body (ReferralSubmission)" in result.output


def test_validate_reports_each_error_of_an_event_payload(tmp_path: Path) -> None:
    [example, *_] = INVALID_EXAMPLES[ReferralSubmittedV1]

    result = cvihub("validate", REFERRAL, write(tmp_path, example.payload))

    assert result.exit_code == 1
    assert "INVALID org.cvihub.referral.submitted v1: 1 error(s)" in result.output
    assert "#/patient/phone: String should match pattern" in result.output
    assert "(string_pattern_mismatch)" in result.output
    assert example.payload["patient"]["phone"] not in result.output  # no value echoed


def test_validate_reports_intake_body_errors_against_the_body(tmp_path: Path) -> None:
    body = referral_body()
    body["patient"]["phone"] = "555"
    del body["consent"]

    result = cvihub("validate", REFERRAL, write(tmp_path, body))

    assert result.exit_code == 1
    assert "intake body (ReferralSubmission): 2 error(s)" in result.output
    assert "#/patient/phone:" in result.output
    assert "#/consent: Field required (missing)" in result.output
    assert "referral_id" not in result.output  # event-only fields are not asked of a partner


def test_validate_picks_the_major_version(tmp_path: Path) -> None:
    v1_payload = write(tmp_path, incident_alert().model_dump(mode="json", exclude_none=True))

    as_v1 = cvihub("validate", ALERT, v1_payload, "--version", "1")
    as_newest = cvihub("validate", ALERT, v1_payload)

    assert as_v1.exit_code == 0, as_v1.output
    assert as_newest.exit_code == 1
    assert "#/verification: Field required (missing)" in as_newest.output
    assert "#/reviewed: Extra inputs are not permitted (extra_forbidden)" in as_newest.output


def test_validate_rejects_malformed_json_unknown_types_and_versions(tmp_path: Path) -> None:
    broken = cvihub("validate", REFERRAL, write(tmp_path, "{not json"))
    unknown = cvihub("validate", "org.example.nothing", write(tmp_path, {}))
    no_such_version = cvihub("validate", REFERRAL, write(tmp_path, {}), "--version", "9")

    assert broken.exit_code == 1
    assert "(json_invalid)" in broken.output
    assert unknown.exit_code == 2
    assert no_such_version.exit_code == 2


def test_schemas_check_passes_on_the_committed_files() -> None:
    result = cvihub("schemas", "--check")

    assert result.exit_code == 0, result.output
    assert "schemas current" in result.output


def test_schemas_writes_then_check_fails_on_drift(tmp_path: Path) -> None:
    written = cvihub("schemas", "--root", str(tmp_path))
    current = cvihub("schemas", "--check", "--root", str(tmp_path))
    schema_path(tmp_path, IncidentAlertV1).write_text("{}\n")
    drifted = cvihub("schemas", "--check", "--root", str(tmp_path))

    assert written.exit_code == 0
    assert written.output.count("wrote ") == len(EVENT_MODELS)
    assert current.exit_code == 0
    assert drifted.exit_code == 1
    assert f"stale: {schema_path(tmp_path, IncidentAlertV1)}" in drifted.output


def test_gate_passes_on_committed_and_fails_on_a_breaking_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, root)
    # As if the next revision of a type added a required field.
    older = json_schema(ReferralStatusChangedV1)
    del older["properties"]["changed_at"]
    older["required"].remove("changed_at")
    schema_path(root, ReferralStatusChangedV1).write_text(render(older))

    passing = cvihub("gate")
    next_revision = ReferralStatusChangedV1.schema_revision + 1
    monkeypatch.setattr(ReferralStatusChangedV1, "schema_revision", next_revision)
    failing = cvihub("gate", "--root", str(root))

    assert passing.exit_code == 0, passing.output
    assert failing.exit_code == 1
    assert "#/properties/changed_at" in failing.output
    assert "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL" in failing.output
