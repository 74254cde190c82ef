"""`cvihub admin audit`: the audit log and its hash chain."""

from typing import Annotated, Any

import typer

from cvihub_cli.admin.client import call
from cvihub_cli.admin.render import fail, line, table

audit_app = typer.Typer(help="The audit log, newest first; `verify` checks its hash chain.")

ACCESS_REFUSED = "access.refused"
AUDIT_COLUMNS = ["id", "at", "actor", "action", "entity_id", "detail", "hash"]
REFUSAL_COLUMNS = ["id", "at", "decided by", "refused", "attempted", "reason", "status", "count"]


@audit_app.callback(invoke_without_command=True)
def audit(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many entries, newest first.")] = 50,
    action: Annotated[
        str | None, typer.Option(help='Only entries of this action, e.g. "grant.created".')
    ] = None,
    refusals: Annotated[
        bool,
        typer.Option(
            "--refusals", help="Only refused requests and deliveries, one column per fact."
        ),
    ] = False,
) -> None:
    """The audit log, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    if refusals:
        action = ACCESS_REFUSED
    entries = call(ctx, "GET", "/audit", params={"limit": limit, "action": action})
    for entry in entries:
        entry["hash"] = str(entry.get("entry_hash", ""))[:12]
    if refusals:
        table("Refusals", [_refusal_row(e) for e in entries], REFUSAL_COLUMNS)
        return
    table("Audit log", entries, AUDIT_COLUMNS)


def _refusal_row(entry: dict[str, Any]) -> dict[str, Any]:
    """A refusal as one row: the registry's own and those services report (actor service:…)."""
    detail = entry.get("detail") or {}
    by_service = str(entry.get("actor", "")).startswith("service:")
    return {
        "id": entry.get("id"),
        "at": entry.get("at"),
        "decided by": entry["actor"] if by_service else "registry",
        "refused": (entry.get("entity_id") if by_service else entry.get("actor")) or "unknown",
        "attempted": detail.get("action") or detail.get("operation") or detail.get("path"),
        "reason": detail.get("reason"),
        "status": detail.get("status_code"),
        "count": detail.get("count", 1),
    }


@audit_app.command("verify")
def verify_audit(ctx: typer.Context) -> None:
    """Check the audit log's hash chain; exit 1 when it is broken."""
    result = call(ctx, "GET", "/audit/verify")
    if result["ok"]:
        line(f"audit chain intact: {result['checked']} entries checked")
        return
    fail(
        f"audit chain BROKEN: {result['checked']} entries intact before the first bad one",
        f"first bad entry: {result.get('first_bad_id')} ({result.get('reason') or 'no reason'})",
    )
