"""`cvihub reencrypt`: reseal the local hub's outboxes under the current key of var/data.keys."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from cvihub_cli.stack_info import DATA_DIR, SERVICES
from cvihub_runtime.secretbox import KeyRing

reencrypt_app = typer.Typer()


@reencrypt_app.command()
def reencrypt(
    data_dir: Annotated[
        Path, typer.Option(help="The data dir of ./hub up (SQLite files, data.keys).")
    ] = DATA_DIR,
    check: Annotated[
        bool, typer.Option("--check", help="Only count; exit 1 while a row needs an old key.")
    ] = False,
) -> None:
    """Rewrite every service's outbox under the first key of data.keys, so older keys can go.

    Rotate: put a new id:key first in data.keys (comma-separated), restart, run this, then
    drop the old key. For a deployment: python -m cvihub_runtime.reencrypt <service>."""
    # Imported here: the database stack would slow every other command's start (the sink's too).
    from cvihub_runtime.reencrypt import describe, reencrypt_database, stale_rows

    keys = KeyRing.parse((data_dir / "data.keys").read_text().strip())
    stale = 0
    for service in SERVICES:
        database = data_dir / f"{service}.db"
        if not database.exists():
            typer.echo(f"{service}: no database in {data_dir}")
            continue
        census = asyncio.run(
            reencrypt_database(f"sqlite+aiosqlite:///{database}", None, keys, check_only=check)
        )
        stale += stale_rows(census, keys) if check else 0
        for line in describe(service, census, keys, check_only=check):
            typer.echo(line)
    raise typer.Exit(1 if stale else 0)
