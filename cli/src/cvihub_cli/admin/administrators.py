"""`cvihub admin administrators`: the hub's named administrators and their keys.

Create the first with the bootstrap token (REGISTRY_ADMIN_TOKEN), then work with your own key
(`--token` or CVIHUB_ADMIN_TOKEN), so the audit log names who did what."""

from typing import Annotated, Any

import typer

from cvihub_cli.admin.client import call
from cvihub_cli.admin.options import choices
from cvihub_cli.admin.render import issued_key, line, record, table

administrators_app = typer.Typer(
    help="Named administrators (role admin or auditor) and their keys.", no_args_is_help=True
)

ROLES = ("admin", "auditor")
ADMIN_COLUMNS = ["admin_id", "name", "role", "status", "email", "updated_at"]
KEY_COLUMNS = ["credential_id", "status", "created_at", "expires_at", "revoked_at", "last_used_at"]
Days = Annotated[
    int | None, typer.Option(help="Days the key works (1-365); default: the registry's.")
]


def _role(value: str) -> str:
    if value not in ROLES:
        raise typer.BadParameter(f"one of {choices(ROLES)}")
    return value


@administrators_app.command("create")
def create_administrator(
    ctx: typer.Context,
    admin_id: Annotated[str, typer.Argument(help="e.g. j.rivera: lowercase, digits, . _ -")],
    name: Annotated[str, typer.Option(help="The person's name.")],
    email: Annotated[str | None, typer.Option(help="Their e-mail.")] = None,
    role: Annotated[str, typer.Option(help=choices(ROLES), callback=_role)] = "admin",
    expires_in_days: Days = None,
) -> None:
    """Add an administrator; their first key is printed this once."""
    body: dict[str, Any] = {"admin_id": admin_id, "name": name, "role": role}
    if email is not None:
        body["email"] = email
    if expires_in_days is not None:
        body["expires_in_days"] = expires_in_days
    created = call(ctx, "POST", "/administrators", body=body)
    line(f"administrator {created['admin_id']} ({created['role']})")
    issued_key(created["key"])


@administrators_app.command("list")
def list_administrators(ctx: typer.Context) -> None:
    """Every administrator."""
    table("Administrators", call(ctx, "GET", "/administrators"), ADMIN_COLUMNS)


@administrators_app.command("show")
def show_administrator(ctx: typer.Context, admin_id: str) -> None:
    """One administrator and their keys (ids and dates, never a key)."""
    found = call(ctx, "GET", f"/administrators/{admin_id}")
    keys = found.pop("keys")
    record(f"Administrator {admin_id}", found)
    table("Keys", keys, KEY_COLUMNS)


@administrators_app.command("set-role")
def set_role(
    ctx: typer.Context,
    admin_id: str,
    role: Annotated[str, typer.Argument(help=choices(ROLES), callback=_role)],
) -> None:
    """Make an administrator an admin or an auditor."""
    changed = call(ctx, "PATCH", f"/administrators/{admin_id}", body={"role": role})
    line(f"administrator {admin_id} is now {changed['role']}")


@administrators_app.command("disable")
def disable_administrator(ctx: typer.Context, admin_id: str) -> None:
    """Disable an administrator: every key of theirs stops working at once."""
    call(ctx, "PATCH", f"/administrators/{admin_id}", body={"status": "disabled"})
    line(f"disabled {admin_id}; their keys are revoked")


@administrators_app.command("enable")
def enable_administrator(ctx: typer.Context, admin_id: str) -> None:
    """Enable a disabled administrator (issue them a new key afterwards)."""
    call(ctx, "PATCH", f"/administrators/{admin_id}", body={"status": "active"})
    line(f"enabled {admin_id}")


@administrators_app.command("issue-key")
def issue_key(ctx: typer.Context, admin_id: str, expires_in_days: Days = None) -> None:
    """Issue an administrator another key (printed this once), e.g. before revoking the old."""
    body = {"expires_in_days": expires_in_days} if expires_in_days is not None else {}
    issued_key(call(ctx, "POST", f"/administrators/{admin_id}/keys", body=body))


@administrators_app.command("revoke-key")
def revoke_key(ctx: typer.Context, admin_id: str, credential_id: str) -> None:
    """Revoke one of an administrator's keys at once."""
    call(ctx, "DELETE", f"/administrators/{admin_id}/keys/{credential_id}")
    line(f"revoked key {credential_id} of {admin_id}")


@administrators_app.command("whoami")
def whoami(ctx: typer.Context) -> None:
    """Who the registry takes the token you call with for."""
    record("You", call(ctx, "GET", "/whoami"))
