"""`cvihub demo`: the walking skeleton's referral and alert; `demo referral-loop`: a network
referral from the hospital to completion. Both against a running `./hub up`."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from cvihub_cli.demo import DemoResult
from cvihub_cli.main import load_info
from cvihub_cli.stack_info import DATA_DIR, StackInfo

demo_app = typer.Typer(
    help="Send a demo referral and alert through the running hub and show them arrive.",
    add_completion=False,  # loaded under `cvihub` (cvihub_cli.lazy), which offers completion
)

DataDir = Annotated[Path, typer.Option(help="Where the running hub wrote stack.json.")]


def _run(data_dir: Path, walk: Callable[..., DemoResult]) -> None:
    from rich.console import Console
    from rich.markup import escape

    from cvihub_cli.admin.render import safe
    from cvihub_cli.demo import DemoStep

    info: StackInfo = load_info(data_dir)
    console = Console()

    def report(step: DemoStep) -> None:
        mark = "[green]✔ ok[/green]" if step.ok else "[red]✘ FAILED[/red]"
        console.print(f"{mark} {escape(safe(step.name))}: {escape(safe(step.detail))}")

    result = walk(info, report=report)
    raise typer.Exit(0 if result.ok else 1)


@demo_app.callback(invoke_without_command=True)
def demo(ctx: typer.Context, data_dir: DataDir = DATA_DIR) -> None:
    """Send a demo referral and alert through the running hub and show them arrive."""
    if ctx.invoked_subcommand is not None:
        return
    from cvihub_cli.demo import run_demo

    _run(data_dir, run_demo)


@demo_app.command("referral-loop")
def referral_loop(data_dir: DataDir = DATA_DIR) -> None:
    """A hospital's referral to the network, walked to completion.

    Offered to two organisations, accepted by one, overdue, two contact attempts, a service,
    completed; the consent withdrawn midway; the aggregates. Each step says ok or FAILED; the
    exit code is 1 if any failed."""
    from cvihub_cli.demo_loop import run_referral_loop

    _run(data_dir, run_referral_loop)
