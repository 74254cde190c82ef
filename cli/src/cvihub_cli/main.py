"""`cvihub`: start the hub, check it, and watch a demo referral and alert go through."""

import signal
import threading
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from cvihub_cli.admin_administrators_cli import administrators_app
from cvihub_cli.admin_cli import admin_app
from cvihub_cli.admin_consents_cli import consents_app
from cvihub_cli.contracts_cli import contracts_app
from cvihub_cli.demo import HOSPITAL_KEY, OUTREACH_KEY, PEACE_KEY, POLICE_KEY, DemoStep, run_demo
from cvihub_cli.reencrypt_cli import reencrypt
from cvihub_cli.sink import create_sink, secrets_from_seed
from cvihub_cli.stack import DEMO_SEED, REPO_ROOT, Stack, StackConfig, StackInfo

app = typer.Typer(help="The CVI interoperability hub.", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")
app.add_typer(admin_app, name="admin")
admin_app.add_typer(consents_app, name="consents")
admin_app.add_typer(administrators_app, name="administrators")
app.command()(reencrypt)
console = Console()
DATA_DIR = REPO_ROOT / "var"


@app.command()
def up(
    data_dir: Annotated[
        Path, typer.Option(help="Where SQLite files, logs and keys live.")
    ] = DATA_DIR,
    kafka: Annotated[
        str | None,
        typer.Option(
            envvar="KAFKA_BOOTSTRAP_SERVERS",
            help="host:port of an existing Kafka cluster; without it the embedded broker starts.",
        ),
    ] = None,
    seed: Annotated[Path, typer.Option(help="Partners to load at start.")] = DEMO_SEED,
) -> None:
    """Start the broker and the four services on SQLite with demo partners; Ctrl-C stops all."""
    stack = Stack(StackConfig(data_dir=data_dir, kafka=kafka, seed_file=seed))
    with console.status("starting the broker and the four services…"):
        info = stack.start()
    _print_endpoints(info, data_dir)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        while not stopped.wait(1.0):
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    console.print(
                        f"[red]{name} exited ({process.returncode}); "
                        f"see {data_dir / 'logs' / name}.log[/red]"
                    )
                    stopped.set()
    finally:
        with console.status("stopping…"):
            stack.stop()
        console.print("stopped.")


def _print_endpoints(info: StackInfo, data_dir: Path) -> None:
    table = Table(title="CVI hub is up")
    table.add_column("service")
    table.add_column("API")
    table.add_column("OpenAPI docs")
    for name, url in info.urls.items():
        table.add_row(name, url, f"{url}/docs")
    table.add_row("kafka", info.kafka, "")
    table.add_row("demo webhook sink", info.sink_url, f"{info.sink_url}/received")
    console.print(table)
    # Plain lines, not a table: a key cut to the terminal's width cannot be copied.
    console.print("[bold]Demo partners[/bold] (public demo keys: never use with real data)")
    for partner, key in (
        ("mercy-hospital (hospital)", HOSPITAL_KEY),
        ("metro-police (police)", POLICE_KEY),
        ("safe-streets (CVI org)", OUTREACH_KEY),
        ("peace-collective (CVI org)", PEACE_KEY),
    ):
        typer.echo(f"  {partner:<28} {key}")
    console.print(
        f"Registry admin token: [bold]{info.admin_token}[/bold] "
        f"(kept in {data_dir / 'admin.token'})"
    )
    console.print(
        f"Logs: {data_dir / 'logs'}. In another terminal: [bold]./hub demo[/bold]. "
        "Ctrl-C stops everything."
    )


def _load_info(data_dir: Path) -> StackInfo:
    path = data_dir / "stack.json"
    if not path.exists():
        console.print("[red]No running hub found; start it with ./hub up[/red]")
        raise typer.Exit(2)
    return StackInfo.load(path)


@app.command()
def status(data_dir: Annotated[Path, typer.Option()] = DATA_DIR) -> None:
    """Ask each service for its health."""
    info = _load_info(data_dir)
    table = Table(title="CVI hub status")
    for column in ("service", "url", "status", "checks"):
        table.add_column(column)
    healthy = True
    for name, url in info.urls.items():
        try:
            response = httpx.get(f"{url}/health", timeout=2.0)
            body = response.json()
            state, checks = body.get("status", "?"), str(body.get("checks", {}))
        except httpx.HTTPError as exc:
            state, checks = "down", type(exc).__name__
        healthy &= state == "ok"
        table.add_row(name, url, state, checks)
    console.print(table)
    raise typer.Exit(0 if healthy else 1)


@app.command()
def demo(data_dir: Annotated[Path, typer.Option()] = DATA_DIR) -> None:
    """Send a demo referral and alert through the running hub and show them arrive."""
    info = _load_info(data_dir)

    def report(step: DemoStep) -> None:
        mark = "[green]✔[/green]" if step.ok else "[red]✘[/red]"
        console.print(f"{mark} {step.name}: {step.detail}")

    result = run_demo(info, report=report)
    raise typer.Exit(0 if result.ok else 1)


@app.command(hidden=True)
def sink(
    port: Annotated[int, typer.Option()] = 8009,
    seed: Annotated[Path, typer.Option()] = DEMO_SEED,
) -> None:
    """Run the demo webhook receiver (started by `up`)."""
    uvicorn.run(
        create_sink(secrets_from_seed(seed)), host="127.0.0.1", port=port, log_level="warning"
    )


if __name__ == "__main__":
    app()
