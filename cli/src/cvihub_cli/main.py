"""`cvihub`: start the hub, check it, and watch a demo referral and alert go through.

Imports stay inside the commands: `cvihub --help` and `up` should not wait for what other
commands need (see docs/notes/cli.md for the numbers)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cvihub_cli.lazy import LazyGroup
from cvihub_cli.stack_info import DATA_DIR, DEMO_SEED
from cvihub_cli.upload import upload

if TYPE_CHECKING:
    from cvihub_cli.stack_info import StackInfo


class HubCommands(LazyGroup):
    """The top-level commands; the admin and contracts groups load when used."""

    lazy = {
        "contracts": (
            "cvihub_cli.contracts_cli:contracts_app",
            "Event contracts: list them, validate a payload, keep schemas current and compatible.",
        ),
        "admin": (
            "cvihub_cli.admin.app:admin_app",
            "Administer the registry: partners, API keys, grants, webhooks, the audit log.",
        ),
        "demo": (
            "cvihub_cli.demo_cli:demo_app",
            "Send a demo referral and alert through the running hub; `demo referral-loop` walks "
            "a network referral from the hospital to completion.",
        ),
        "reencrypt": (
            "cvihub_cli.reencrypt_cli:reencrypt_app",
            "Reseal outboxes under the new key.",
        ),
    }


app = typer.Typer(help="The CVI interoperability hub.", no_args_is_help=True, cls=HubCommands)
app.command()(upload)


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
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Start again from the seed: delete the last run's databases and logs first.",
        ),
    ] = False,
) -> None:
    """Start the broker and the five services on SQLite with demo partners; Ctrl-C stops all."""
    from cvihub_cli.up import run_up

    run_up(data_dir=data_dir, kafka=kafka, seed=seed, fresh=fresh)


def load_info(data_dir: Path) -> "StackInfo":
    from cvihub_cli.stack_info import StackInfo

    path = data_dir / "stack.json"
    if not path.exists():
        typer.secho("No running hub found; start it with ./hub up", fg="red")
        raise typer.Exit(2)
    return StackInfo.load(path)


@app.command()
def status(data_dir: Annotated[Path, typer.Option()] = DATA_DIR) -> None:
    """Ask each service for its health."""
    import httpx
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cvihub_cli.admin.render import safe

    info = load_info(data_dir)
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
        table.add_row(name, url, Text(safe(state)), Text(safe(checks)))
    Console().print(table)
    raise typer.Exit(0 if healthy else 1)


@app.command(hidden=True)
def sink(
    port: Annotated[int, typer.Option()] = 8009,
    seed: Annotated[Path, typer.Option()] = DEMO_SEED,
) -> None:
    """Run the demo webhook receiver (started by `up`)."""
    from cvihub_cli.sink import Sink, secrets_from_seed, sink_server

    with sink_server(Sink(secrets_from_seed(seed)), port) as server:
        server.serve_forever()


if __name__ == "__main__":
    app()
