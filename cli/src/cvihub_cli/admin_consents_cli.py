"""`cvihub admin consents`: read the registry's consent records (partners record them)."""

from typing import Annotated

import typer

from cvihub_cli.admin_cli import _call, _object, _table

consents_app = typer.Typer(
    help="Patients' consent records (no patient data): read only; hospitals keep them.",
    no_args_is_help=True,
)

CONSENT_COLUMNS = [
    "consent_id", "custodian_partner_id", "recipient_partner_ids", "scope", "status",
    "given_at", "expires_at", "withdrawn_at",
]  # fmt: skip


@consents_app.command("list")
def list_consents(
    ctx: typer.Context,
    custodian: Annotated[str | None, typer.Option(help="Only those this partner keeps.")] = None,
) -> None:
    """Consent records, of one custodian or all."""
    found = _call(ctx, "GET", "/consents", params={"custodian_partner_id": custodian})
    _table("Consents", found, CONSENT_COLUMNS)


@consents_app.command("show")
def show_consent(ctx: typer.Context, consent_id: str) -> None:
    """One consent record."""
    _object(f"Consent {consent_id}", _call(ctx, "GET", f"/consents/{consent_id}"))
