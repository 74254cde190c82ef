"""`cvihub reencrypt`: reseal the local hub's sealed data under the current key of
var/data.keys: every outbox, and the sealed columns of the registry, referrals, the portal,
intake and notifications (names, emails, payloads, notes, stored answers, subscription
endpoints) through their own `python -m cvihub_<service>.reencrypt`, run as a process."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from cvihub_cli.stack_info import DATA_DIR, SERVICES
from cvihub_runtime.secretbox import KeyRing

reencrypt_app = typer.Typer()
# Services whose tables hold sealed columns beyond the outbox: their module reseals them all.
OWN_COMMAND = {
    "registry": "cvihub_registry.reencrypt",
    "referrals": "cvihub_referrals.reencrypt",
    "portal": "cvihub_portal.reencrypt",
    "intake": "cvihub_intake.reencrypt",
    "notifications": "cvihub_notifications.reencrypt",
}


@reencrypt_app.command()
def reencrypt(
    data_dir: Annotated[
        Path, typer.Option(help="The data dir of ./hub up (SQLite files, data.keys).")
    ] = DATA_DIR,
    check: Annotated[
        bool, typer.Option("--check", help="Only count; exit 1 while a row needs an old key.")
    ] = False,
) -> None:
    """Rewrite every service's sealed data under the first key of data.keys, so older keys can go.

    Rotate: put a new id:key first in data.keys (comma-separated), restart, run this, then
    drop the old key. For a deployment: python -m cvihub_<service>.reencrypt for a service in
    OWN_COMMAND, else python -m cvihub_runtime.reencrypt <service>."""
    # Imported here: the database stack would slow every other command's start (the sink's too).
    from cvihub_runtime.reencrypt import describe, reencrypt_database, stale_rows

    keys = KeyRing.parse((data_dir / "data.keys").read_text().strip())
    stale = 0
    for service in SERVICES:
        database = data_dir / f"{service}.db"
        if not database.exists():
            typer.echo(f"{service}: no database in {data_dir}")
            continue
        url = f"sqlite+aiosqlite:///{database}"
        if service in OWN_COMMAND:
            stale += _own_command(service, url, data_dir, check)
            continue
        census = asyncio.run(reencrypt_database(url, None, keys, check_only=check))
        stale += stale_rows(census, keys) if check else 0
        for line in describe(service, census, keys, check_only=check):
            typer.echo(line)
    raise typer.Exit(1 if stale else 0)


def _own_command(service: str, url: str, data_dir: Path, check: bool) -> int:
    """Run the service's own re-encrypt on its database; 1 if --check found stale rows."""
    prefix = service.upper() + "_"
    env = {
        **os.environ,
        f"{prefix}DATABASE_URL": url,
        f"{prefix}DATA_KEYS": (data_dir / "data.keys").read_text().strip(),
    }
    done = subprocess.run(  # noqa: S603  # our own interpreter and module, no shell
        [sys.executable, "-m", OWN_COMMAND[service], *(["--check"] if check else [])],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    typer.echo(done.stdout.rstrip())
    if done.returncode not in (0, 1) or (done.returncode == 1 and not check):
        typer.echo(done.stderr.rstrip(), err=True)
        raise typer.Exit(2)
    return done.returncode
