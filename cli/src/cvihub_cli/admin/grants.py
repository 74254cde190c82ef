"""`cvihub admin grants`: who may publish or subscribe to which stream."""

from typing import Annotated, Any

import typer

from cvihub_cli.admin.client import call
from cvihub_cli.admin.options import ExpiresAt, PartnerFilter, choices
from cvihub_cli.admin.render import line, record, table
from cvihub_contracts import Classification, GrantAction, Stream

grants_app = typer.Typer(help="Who may publish or subscribe to which stream.", no_args_is_help=True)

GRANT_COLUMNS = [
    "grant_id", "partner_id", "stream", "action", "status", "zones", "field_view",
    "purpose", "agreement_ref", "expires_at",
]  # fmt: skip


@grants_app.command("list")
def list_grants(ctx: typer.Context, partner: PartnerFilter = None) -> None:
    """Grants, of one partner or all."""
    table("Grants", call(ctx, "GET", "/grants", params={"partner_id": partner}), GRANT_COLUMNS)


@grants_app.command("create")
def create_grant(
    ctx: typer.Context,
    partner_id: str,
    stream: Annotated[str, typer.Argument(help=choices(Stream))],
    action: Annotated[str, typer.Argument(help=choices(GrantAction))],
    zone: Annotated[
        list[str] | None, typer.Option("--zone", help="Repeat for each zone; none = all.")
    ] = None,
    field_view: Annotated[
        list[str] | None,
        typer.Option("--field-view", help=f"Repeat per classification: {choices(Classification)}."),
    ] = None,
    purpose: Annotated[str | None, typer.Option()] = None,
    agreement_ref: Annotated[str | None, typer.Option(help="The data-sharing agreement.")] = None,
    expires_at: ExpiresAt = None,
) -> None:
    """Grant a partner publish or subscribe on a stream."""
    body: dict[str, Any] = {"partner_id": partner_id, "stream": stream, "action": action}
    # Only what was given: terms left out take the registry's defaults.
    optional = {
        "zones": zone or None,
        "field_view": field_view or None,
        "purpose": purpose,
        "agreement_ref": agreement_ref,
        "expires_at": expires_at,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    record("Grant created", call(ctx, "POST", "/grants", body=body))


@grants_app.command("revoke")
def revoke_grant(ctx: typer.Context, grant_id: str) -> None:
    """Revoke a grant."""
    call(ctx, "DELETE", f"/grants/{grant_id}")
    line(f"revoked grant {grant_id}")
