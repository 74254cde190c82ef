"""`hub upload FILE`: send a CSV or Excel file to intake, show its progress, then its report."""

import os
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from cvihub_cli.stack_info import REPO_ROOT, StackInfo

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPES = ("referrals", "incidents", "bulletins")
DEFAULT_INTAKE = "http://127.0.0.1:8002"
POLL_SECONDS = 0.5
_UNFINISHED = ("queued", "running")


def _intake_url(given: str | None, data_dir: Path) -> str:
    if given:
        return given.rstrip("/")
    path = data_dir / "stack.json"
    if path.exists():
        return StackInfo.load(path).urls.get("intake", DEFAULT_INTAKE)
    return DEFAULT_INTAKE


def _fail(message: str) -> None:
    Console(stderr=True, highlight=False).print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(1)


def upload(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    upload_type: Annotated[
        str | None,
        typer.Option(
            "--type", help=f"One of {', '.join(TYPES)}; guessed from the header if unset."
        ),
    ] = None,
    all_or_nothing: Annotated[
        bool, typer.Option(help="Refuse the whole file if one row is invalid.")
    ] = False,
    api_key: Annotated[
        str | None, typer.Option(envvar="CVIHUB_API_KEY", help="Your partner API key.")
    ] = None,
    intake_url: Annotated[str | None, typer.Option(help="Intake's base URL.")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the per-row report (CSV) to this file.")
    ] = None,
    data_dir: Annotated[Path, typer.Option(help="Where `up` keeps stack.json.")] = REPO_ROOT
    / "var",
) -> None:
    """Upload referrals, incidents or bulletins from a CSV or Excel file, one per row."""
    if upload_type is not None and upload_type not in TYPES:
        _fail(f"--type is one of {', '.join(TYPES)}")
    key = api_key or os.environ.get("CVIHUB_API_KEY")
    if not key:
        _fail("give your partner API key with --api-key or CVIHUB_API_KEY")
    base = _intake_url(intake_url, data_dir)
    content_type = XLSX if file.suffix.lower() in (".xlsx", ".xlsm") else "text/csv"
    params: dict[str, str] = {"all_or_nothing": str(all_or_nothing).lower()}
    if upload_type:
        params["type"] = upload_type
    headers = {"Authorization": f"Bearer {key}"}
    console = Console(highlight=False)
    with httpx.Client(base_url=base, headers=headers, timeout=60.0) as client:
        try:
            posted = client.post(
                "/v1/uploads",
                content=file.read_bytes(),
                params=params,
                headers={"Content-Type": content_type},
            )
        except httpx.HTTPError as exc:
            _fail(f"intake at {base} did not answer: {type(exc).__name__}")
        if posted.status_code != 202:
            _fail(_problem_text(posted))
        job = _follow(client, posted.headers["Location"], posted.json())
        _summary(console, job)
        if report is not None:
            answer = client.get(f"{posted.headers['Location']}/report.csv")
            report.write_text(answer.text, encoding="utf-8")
            console.print(f"report written to {escape(str(report))}")
    if job["status"] != "done":
        raise typer.Exit(1)


def _follow(client: httpx.Client, location: str, job: dict[str, Any]) -> dict[str, Any]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("rows", total=job["rows_total"])
        while job["status"] in _UNFINISHED:
            time.sleep(POLL_SECONDS)
            job = client.get(location, params={"limit": 0}).json()
            progress.update(task, completed=job["rows_done"])
    final: dict[str, Any] = client.get(location, params={"limit": 10_000}).json()
    return final


def _summary(console: Console, job: dict[str, Any]) -> None:
    console.print(
        f"upload {job['upload_id']}: {escape(job['status'])}: {job['accepted']} accepted, "
        f"{job['refused']} refused, {job['duplicates']} duplicate, {job['blank_rows']} blank "
        f"({escape(job['encoding'])})"
    )
    problems = [row for row in job["rows"] if row["status"] != "accepted"]
    if not problems:
        return
    table = Table("row", "status", "column", "problem")
    for row in problems[:50]:
        for error in row["errors"] or [{}]:
            table.add_row(
                str(row["row"]),
                escape(row["status"]),
                escape(str(error.get("column") or "")),
                escape(str(error.get("detail") or "")),
            )
    console.print(table)
    if len(problems) > 50:
        console.print(f"… and {len(problems) - 50} more rows: see --report")


def _problem_text(answer: httpx.Response) -> str:
    try:
        problem = answer.json()
    except ValueError:
        return f"intake answered {answer.status_code}"
    details = [str(problem.get("detail", ""))]
    details += [str(e.get("detail", "")) for e in problem.get("errors") or []]
    return f"intake answered {answer.status_code}: " + "; ".join(d for d in details if d)
