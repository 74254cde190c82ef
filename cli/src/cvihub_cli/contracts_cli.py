"""`cvihub contracts`: the event catalog, local payload validation, schema files and the gate."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cvihub_contracts.base import EventData
from cvihub_contracts.catalog import EVENT_MODELS
from cvihub_contracts.compatibility import compatibility_of, gate
from cvihub_contracts.invalid_examples import PayloadError, payload_errors
from cvihub_contracts.schemas import SCHEMAS_DIR, stale, write_all

contracts_app = typer.Typer(
    help="Event contracts: list them, validate a payload, keep schemas current and compatible.",
    no_args_is_help=True,
    add_completion=False,  # loaded under `cvihub` (cvihub_cli.lazy), which offers completion
)

RootOption = Annotated[
    Path, typer.Option("--root", help="Directory of the committed JSON Schemas.")
]


@contracts_app.command("list")
def list_contracts() -> None:
    """Every event type and version, its topic and schema URI."""
    table = Table(title="Event contracts")
    for column in ("type", "version", "topic", "compatibility", "intake body", "dataschema"):
        table.add_column(column, overflow="fold")
    for model in sorted(EVENT_MODELS, key=lambda m: (m.event_type, m.version)):
        table.add_row(
            model.event_type,
            f"{model.version}.{model.schema_revision}",
            model.topic,
            compatibility_of(model).value,
            model.submission.__name__ if model.submission else "",
            model.dataschema(),
        )
    # Built per call so the terminal width (COLUMNS) is read when the command runs.
    Console().print(table)


def _model(event_type: str, version: int | None) -> type[EventData]:
    majors = [m for m in EVENT_MODELS if m.event_type == event_type]
    if not majors:
        known = ", ".join(sorted({m.event_type for m in EVENT_MODELS}))
        typer.echo(f"unknown event type {event_type!r}; known: {known}", err=True)
        raise typer.Exit(2)
    if version is None:
        return max(majors, key=lambda m: m.version)
    for model in majors:
        if model.version == version:
            return model
    versions = ", ".join(str(m.version) for m in majors)
    typer.echo(f"{event_type} has no version {version}; versions: {versions}", err=True)
    raise typer.Exit(2)


@contracts_app.command()
def validate(
    event_type: Annotated[str, typer.Argument(help="e.g. org.cvihub.referral.submitted")],
    payload_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The JSON payload to check.")
    ],
    version: Annotated[
        int | None, typer.Option(help="Major version; the newest when left out.")
    ] = None,
) -> None:
    """Validate a payload locally: the event payload, or the body partners POST to intake."""
    model = _model(event_type, version)
    label = f"{model.event_type} v{model.version}"
    try:
        payload = json.loads(payload_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        typer.echo(f"#: not valid JSON: {type(exc).__name__} (json_invalid)")
        raise typer.Exit(1) from None
    errors = payload_errors(model, payload)
    if not errors:
        typer.echo(f"OK: a valid {label} event payload")
        return
    submission = model.submission
    if submission is not None:
        submission_errors = payload_errors(submission, payload)
        if not submission_errors:
            typer.echo(f"OK: a valid {label} intake body ({submission.__name__})")
            return
        # Fields only the hub sets (ids, timestamps) mean the partner meant the event payload.
        event_only = set(model.model_fields) - set(submission.model_fields)
        if not (isinstance(payload, dict) and event_only & payload.keys()):
            label, errors = f"{label} intake body ({submission.__name__})", submission_errors
    _print_errors(label, errors)
    raise typer.Exit(1)


def _print_errors(label: str, errors: list[PayloadError]) -> None:
    typer.echo(f"INVALID {label}: {len(errors)} error(s)")
    for error in errors:
        typer.echo(f"{error.pointer}: {error.message} ({error.code})")


@contracts_app.command()
def schemas(
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; fail if any file is stale.")
    ] = False,
    root: RootOption = SCHEMAS_DIR,
) -> None:
    """Write the current revision's JSON Schema of every event, or check they are current."""
    if check:
        outdated = stale(root)
        for name in outdated:
            typer.echo(f"stale: {root / name}")
        if outdated:
            typer.echo("run `./hub contracts schemas` and commit the result", err=True)
            raise typer.Exit(1)
        typer.echo(f"schemas current ({len(EVENT_MODELS)} models)")
        return
    written = write_all(root)
    for path in written:
        typer.echo(f"wrote {path}")
    if not written:
        typer.echo("schemas already current")


@contracts_app.command("gate")
def run_gate(root: RootOption = SCHEMAS_DIR) -> None:
    """Check every committed schema revision against later ones under its type's mode."""
    problems = gate(root)
    for problem in problems:
        typer.echo(problem)
    if problems:
        typer.echo(f"{len(problems)} incompatibilit(y/ies)", err=True)
        raise typer.Exit(1)
    typer.echo("compatibility gate passed")
