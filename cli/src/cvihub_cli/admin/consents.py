"""`cvihub admin consents`: read the registry's consent records (partners record them)."""

from typing import Annotated

import typer

from cvihub_cli.admin.client import call
from cvihub_cli.admin.render import record, table

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
    found = call(ctx, "GET", "/consents", params={"custodian_partner_id": custodian})
    table("Consents", found, CONSENT_COLUMNS)


@consents_app.command("show")
def show_consent(ctx: typer.Context, consent_id: str) -> None:
    """One consent record."""
    record(f"Consent {consent_id}", call(ctx, "GET", f"/consents/{consent_id}"))
