"""`cvihub admin partners`: partner organisations."""

from pathlib import Path
from typing import Annotated, Any

import typer

from cvihub_cli.admin.client import call
from cvihub_cli.admin.options import AreaFile, choices
from cvihub_cli.admin.render import fail, record, table
from cvihub_cli.service_area_file import AreaFileError, area_summary, read_service_area
from cvihub_contracts.codes import AgeGroup, CviService
from cvihub_contracts.registry.changes_v1 import PartnerKind

partners_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)

PARTNER_COLUMNS = ["partner_id", "name", "kind", "status", "contact_email", "updated_at"]


def _partner(item: dict[str, Any]) -> dict[str, Any]:
    """A partner to print: its service area as a one-line summary, not thousands of numbers."""
    if "service_area" not in item:
        return item
    return {**item, "service_area": area_summary(item["service_area"])}


def _area_from(path: Path) -> dict[str, Any]:
    try:
        return read_service_area(path)
    except AreaFileError as exc:
        fail(str(exc))


@partners_app.command("list")
def list_partners(ctx: typer.Context) -> None:
    """Every partner."""
    table("Partners", call(ctx, "GET", "/partners"), PARTNER_COLUMNS)


@partners_app.command("show")
def show_partner(ctx: typer.Context, partner_id: str) -> None:
    """One partner; its drawn service area summed up (type, rings, positions, bounding box)."""
    record(f"Partner {partner_id}", _partner(call(ctx, "GET", f"/partners/{partner_id}")))


@partners_app.command("create")
def create_partner(
    ctx: typer.Context,
    partner_id: Annotated[str, typer.Argument(help="Lowercase letters, digits and dashes.")],
    name: Annotated[str, typer.Option(help="The organisation's name.")],
    kind: Annotated[str, typer.Option(help=choices(PartnerKind))],
    email: Annotated[str | None, typer.Option(help="Contact e-mail.")] = None,
    description: Annotated[str | None, typer.Option()] = None,
    service_area_file: AreaFile = None,
) -> None:
    """Register a partner."""
    body: dict[str, Any] = {"partner_id": partner_id, "name": name, "kind": kind}
    if email is not None:
        body["contact_email"] = email
    if description is not None:
        body["description"] = description
    if service_area_file is not None:
        body["service_area"] = _area_from(service_area_file)
    record("Partner created", _partner(call(ctx, "POST", "/partners", body=body)))


@partners_app.command("update")
def update_partner(
    ctx: typer.Context,
    partner_id: str,
    service_area_file: AreaFile = None,
    clear_service_area: Annotated[
        bool, typer.Option("--clear-service-area", help="Remove the drawn service area.")
    ] = False,
) -> None:
    """Draw a partner's service area from a file, or remove it."""
    if clear_service_area == (service_area_file is not None):
        fail("give either --service-area-file PATH or --clear-service-area")
    area = _area_from(service_area_file) if service_area_file is not None else None
    partner = call(ctx, "PATCH", f"/partners/{partner_id}", body={"service_area": area})
    record(f"Partner {partner_id} updated", _partner(partner))


@partners_app.command("directory")
def set_directory(
    ctx: typer.Context,
    partner_id: str,
    service: Annotated[
        list[str] | None, typer.Option(help=f"A CVI service code: {choices(CviService)}.")
    ] = None,
    language: Annotated[list[str] | None, typer.Option(help="A BCP 47 tag (en, es).")] = None,
    age_group: Annotated[
        list[str] | None, typer.Option(help=f"{choices(AgeGroup)}; none = every age.")
    ] = None,
) -> None:
    """Set a partner's directory entry, what network referrals match on: each option given
    (repeatable) replaces that list, the others stay."""
    lists = {"cvi_services": service, "languages": language, "age_groups": age_group}
    body = {name: values for name, values in lists.items() if values is not None}
    if not body:
        fail("give --service, --language or --age-group")
    partner = call(ctx, "PATCH", f"/partners/{partner_id}", body=body)
    record(f"Partner {partner_id} updated", _partner(partner))


def _set_status(ctx: typer.Context, partner_id: str, status: str) -> None:
    partner = call(ctx, "PATCH", f"/partners/{partner_id}", body={"status": status})
    record(f"Partner {partner_id} is {partner['status']}", _partner(partner))


@partners_app.command("suspend")
def suspend_partner(ctx: typer.Context, partner_id: str) -> None:
    """Suspend a partner: its keys and deliveries stop everywhere."""
    _set_status(ctx, partner_id, "suspended")


@partners_app.command("reactivate")
def reactivate_partner(ctx: typer.Context, partner_id: str) -> None:
    """Let a suspended partner act again."""
    _set_status(ctx, partner_id, "active")
