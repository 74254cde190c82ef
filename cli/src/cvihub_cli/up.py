"""`cvihub up`: run the hub in the foreground until Ctrl-C, optionally from a fresh start."""

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cvihub_cli.demo import HOSPITAL_KEY, OUTREACH_KEY, PEACE_KEY, POLICE_KEY
from cvihub_cli.stack import Stack, StackConfig
from cvihub_cli.stack_info import SERVICES, StackInfo

console = Console()


def _running_pids(data_dir: Path) -> list[int]:
    """Processes a hub started from this data dir still runs, by what its stack.json says."""
    path = data_dir / "stack.json"
    if not path.exists():
        return []
    alive = []
    for pid in StackInfo.load(path).pids.values():
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            continue
        alive.append(pid)
    return alive


def wipe(data_dir: Path) -> list[Path]:
    """Delete what a hub kept in the data dir (databases, logs, stack.json), so the next start
    begins from the seed; the secret key and the admin token stay. The paths it deleted."""
    if pids := _running_pids(data_dir):
        raise RuntimeError(f"a hub still runs from {data_dir} (pids {pids}); stop it first")
    doomed = [data_dir / "stack.json", data_dir / "logs"]
    for name in SERVICES:
        doomed += [data_dir / f"{name}.db{suffix}" for suffix in ("", "-wal", "-shm", "-journal")]
    deleted = []
    for path in doomed:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        deleted.append(path)
    return deleted


def run_up(*, data_dir: Path, kafka: str | None, seed: Path, fresh: bool) -> None:
    """Start everything, print where it is, and stop it all on Ctrl-C or when a process dies."""
    began = time.monotonic()
    if fresh:
        try:
            deleted = wipe(data_dir)
        except RuntimeError as exc:
            console.print(f"[red]{exc}[/red]", highlight=False)
            raise typer.Exit(1) from None
        console.print(f"fresh start: deleted {len(deleted)} file(s) of the last run in {data_dir}")
    stack = Stack(StackConfig(data_dir=data_dir, kafka=kafka, seed_file=seed, fork_server=True))
    with console.status("starting the broker and the five services…"):
        info = stack.start()
    _print_endpoints(info, data_dir)
    console.print(
        f"ready in {time.monotonic() - began:.1f} s (every service healthy, the seed applied)"
    )
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
