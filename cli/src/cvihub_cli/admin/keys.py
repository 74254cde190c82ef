"""`cvihub admin keys`: partners' API keys."""

from typing import Any

import typer

from cvihub_cli.admin.client import call
from cvihub_cli.admin.options import ExpiresAt, KeyScopes
from cvihub_cli.admin.render import issued_key, line, table

keys_app = typer.Typer(help="Partners' API keys.", no_args_is_help=True)

KEY_COLUMNS = ["credential_id", "status", "scopes", "created_at", "expires_at", "revoked_at"]


@keys_app.command("issue")
def issue_key(
    ctx: typer.Context, partner_id: str, expires_at: ExpiresAt = None, scope: KeyScopes = None
) -> None:
    """Issue an API key; it is printed this once."""
    body: dict[str, Any] = {"expires_at": expires_at} if expires_at is not None else {}
    if scope:
        body["scopes"] = scope
    issued_key(call(ctx, "POST", f"/partners/{partner_id}/keys", body=body))


@keys_app.command("rotate")
def rotate_key(ctx: typer.Context, credential_id: str, scope: KeyScopes = None) -> None:
    """Issue a successor key (printed this once); the old one works for the grace period.

    The successor keeps the old key's scopes unless --scope names others."""
    body: dict[str, Any] = {"scopes": scope} if scope else {}
    rotated = call(ctx, "POST", f"/keys/{credential_id}/rotate", body=body)
    line(f"replaces {credential_id}, which works until {rotated['replaced_expires_at']}")
    issued_key(rotated)


@keys_app.command("list")
def list_keys(ctx: typer.Context, partner_id: str) -> None:
    """A partner's API keys (ids, dates and scopes, never the key)."""
    keys = call(ctx, "GET", f"/partners/{partner_id}/keys")
    table(f"API keys of {partner_id}", keys, KEY_COLUMNS)


@keys_app.command("revoke")
def revoke_key(ctx: typer.Context, credential_id: str) -> None:
    """Revoke an API key."""
    call(ctx, "DELETE", f"/keys/{credential_id}")
    line(f"revoked key {credential_id}")
