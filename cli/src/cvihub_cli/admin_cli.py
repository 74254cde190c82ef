"""`cvihub admin`: partners, keys, grants, subscriptions and the audit log, over the registry's
admin HTTP API (never by importing the registry)."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.table import Table

from cvihub_cli.service_area_file import AreaFileError, area_summary, read_service_area
from cvihub_cli.stack import REPO_ROOT, StackInfo
from cvihub_contracts import Classification, GrantAction, Scope, Stream
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind

admin_app = typer.Typer(
    help="Administer the registry: partners, API keys, grants, webhooks, the audit log.",
    no_args_is_help=True,
)
partners_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)
keys_app = typer.Typer(help="Partners' API keys.", no_args_is_help=True)
grants_app = typer.Typer(help="Who may publish or subscribe to which stream.", no_args_is_help=True)
subscriptions_app = typer.Typer(
    help="Partners' delivery endpoints: webhook, e-mail notice, inbox.", no_args_is_help=True
)
audit_app = typer.Typer(help="The audit log, newest first; `verify` checks its hash chain.")
admin_app.add_typer(partners_app, name="partners")
admin_app.add_typer(keys_app, name="keys")
admin_app.add_typer(grants_app, name="grants")
admin_app.add_typer(subscriptions_app, name="subscriptions")
admin_app.add_typer(audit_app, name="audit")

PREFIX = "/v1/admin"
TIMEOUT = 10.0


def _choices(values: Any) -> str:
    return ", ".join(str(v) for v in values)


@dataclass
class Target:
    """Where the registry is and the admin token, as given; resolved at the first call."""

    registry_url: str | None
    token: str | None
    data_dir: Path


def _console() -> Console:
    # Built per call so the terminal width (COLUMNS) is read when the command runs.
    return Console()


def _fail(*lines: str) -> NoReturn:
    err = Console(stderr=True, highlight=False)
    for line in lines:
        err.print(line, markup=False)
    raise typer.Exit(1)


def _resolve(target: Target) -> tuple[str, str]:
    """Options, else environment (via typer's envvar), else the running local hub."""
    url, token = target.registry_url, target.token
    if url is None or token is None:
        path = target.data_dir / "stack.json"
        if not path.exists():
            _fail(
                "No registry given: pass --registry-url and --token, set CVIHUB_REGISTRY_URL "
                f"and CVIHUB_ADMIN_TOKEN, or start the hub with ./hub up ({path} not found)."
            )
        info = StackInfo.load(path)
        url = url or info.urls["registry"]
        token = token or info.admin_token
    return url.rstrip("/"), token


def _problem(response: httpx.Response) -> NoReturn:
    """Print a problem+json answer: title, detail, and each bad field by pointer."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        _fail(f"{response.status_code} {response.reason_phrase}", response.text[:500])
    lines = [f"{body.get('title', response.reason_phrase)} ({response.status_code})"]
    if body.get("detail"):
        lines.append(str(body["detail"]))
    lines.extend(
        f"  {error.get('pointer', '#')}: {error.get('detail', '')}"
        for error in body.get("errors") or []
        if isinstance(error, dict)
    )
    _fail(*lines)


def _call(
    ctx: typer.Context,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> Any:
    """One admin API call; the decoded JSON answer, or exit 1 printing what went wrong."""
    target = ctx.find_object(Target)
    assert target is not None, "admin commands run under the admin callback"
    url, token = _resolve(target)
    try:
        response = httpx.request(
            method,
            f"{url}{PREFIX}{path}",
            json=body,
            params={k: v for k, v in (params or {}).items() if v is not None},
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        _fail(f"Cannot reach the registry at {url}: {type(exc).__name__}")
    if response.is_error:
        _problem(response)
    return response.json() if response.content else None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(column)) for column in columns))
    _console().print(table)


def _object(title: str, item: dict[str, Any]) -> None:
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in item.items():
        table.add_row(key, _cell(value))
    _console().print(table)


@admin_app.callback()
def admin(
    ctx: typer.Context,
    registry_url: Annotated[
        str | None,
        typer.Option(envvar="CVIHUB_REGISTRY_URL", help="e.g. http://127.0.0.1:8001"),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="CVIHUB_ADMIN_TOKEN", help="The registry's admin token."),
    ] = None,
    data_dir: Annotated[
        Path, typer.Option(help="A running ./hub up's data dir, used when the two are not given.")
    ] = REPO_ROOT / "var",
) -> None:
    """Administer the registry through its admin API."""
    ctx.obj = Target(registry_url=registry_url, token=token, data_dir=data_dir)


# Partners

PARTNER_COLUMNS = ["partner_id", "name", "kind", "status", "contact_email", "updated_at"]


@partners_app.command("list")
def list_partners(ctx: typer.Context) -> None:
    """Every partner."""
    _table("Partners", _call(ctx, "GET", "/partners"), PARTNER_COLUMNS)


def _partner(item: dict[str, Any]) -> dict[str, Any]:
    """A partner to print: its service area as a one-line summary, not thousands of numbers."""
    if "service_area" not in item:
        return item
    return {**item, "service_area": area_summary(item["service_area"])}


AreaFile = Annotated[
    Path | None,
    typer.Option(
        help="A .geojson file: a Polygon or MultiPolygon, [longitude, latitude] in WGS 84, "
        "bare or as a Feature or a FeatureCollection of one Feature."
    ),
]


def _area_from(path: Path) -> dict[str, Any]:
    try:
        return read_service_area(path)
    except AreaFileError as exc:
        _fail(str(exc))


@partners_app.command("show")
def show_partner(ctx: typer.Context, partner_id: str) -> None:
    """One partner; its drawn service area summed up (type, rings, positions, bounding box)."""
    _object(f"Partner {partner_id}", _partner(_call(ctx, "GET", f"/partners/{partner_id}")))


@partners_app.command("create")
def create_partner(
    ctx: typer.Context,
    partner_id: Annotated[str, typer.Argument(help="Lowercase letters, digits and dashes.")],
    name: Annotated[str, typer.Option(help="The organisation's name.")],
    kind: Annotated[str, typer.Option(help=_choices(PartnerKind))],
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
    _object("Partner created", _partner(_call(ctx, "POST", "/partners", body=body)))


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
        _fail("give either --service-area-file PATH or --clear-service-area")
    area = _area_from(service_area_file) if service_area_file is not None else None
    partner = _call(ctx, "PATCH", f"/partners/{partner_id}", body={"service_area": area})
    _object(f"Partner {partner_id} updated", _partner(partner))


def _set_status(ctx: typer.Context, partner_id: str, status: str) -> None:
    partner = _call(ctx, "PATCH", f"/partners/{partner_id}", body={"status": status})
    _object(f"Partner {partner_id} is {partner['status']}", _partner(partner))


@partners_app.command("suspend")
def suspend_partner(ctx: typer.Context, partner_id: str) -> None:
    """Suspend a partner: its keys and deliveries stop everywhere."""
    _set_status(ctx, partner_id, "suspended")


@partners_app.command("reactivate")
def reactivate_partner(ctx: typer.Context, partner_id: str) -> None:
    """Let a suspended partner act again."""
    _set_status(ctx, partner_id, "active")


# Keys

ExpiresAt = Annotated[
    str | None, typer.Option(help="ISO 8601 with a timezone, e.g. 2030-01-01T00:00:00Z.")
]


KeyScopes = Annotated[
    list[str] | None,
    typer.Option("--scope", help=f"Repeat per scope; none = every scope. {_choices(Scope)}."),
]


def _print_issued(issued: dict[str, Any]) -> None:
    """Print a new key's id, expiry and scopes, then the key itself, shown this once."""
    console = _console()
    console.print(f"credential id: {issued['credential_id']}", markup=False)
    console.print(f"expires at:    {issued['expires_at'] or 'never'}", markup=False)
    if "scopes" in issued:  # partner keys; an administrator's key has a role instead
        console.print(f"scopes:        {' '.join(issued['scopes'])}", markup=False)
    console.print(
        "[bold yellow]The key is shown only now: the registry keeps only its hash. "
        "Store it safely.[/bold yellow]"
    )
    # A plain line, not a table: a key cut to the terminal's width cannot be copied.
    typer.echo(issued["api_key"])


@keys_app.command("issue")
def issue_key(
    ctx: typer.Context, partner_id: str, expires_at: ExpiresAt = None, scope: KeyScopes = None
) -> None:
    """Issue an API key; it is printed this once."""
    body: dict[str, Any] = {"expires_at": expires_at} if expires_at is not None else {}
    if scope:
        body["scopes"] = scope
    _print_issued(_call(ctx, "POST", f"/partners/{partner_id}/keys", body=body))


@keys_app.command("rotate")
def rotate_key(ctx: typer.Context, credential_id: str, scope: KeyScopes = None) -> None:
    """Issue a successor key (printed this once); the old one works for the grace period.

    The successor keeps the old key's scopes unless --scope names others."""
    body: dict[str, Any] = {"scopes": scope} if scope else {}
    rotated = _call(ctx, "POST", f"/keys/{credential_id}/rotate", body=body)
    typer.echo(f"replaces {credential_id}, which works until {rotated['replaced_expires_at']}")
    _print_issued(rotated)


@keys_app.command("list")
def list_keys(ctx: typer.Context, partner_id: str) -> None:
    """A partner's API keys (ids, dates and scopes, never the key)."""
    columns = ["credential_id", "status", "scopes", "created_at", "expires_at", "revoked_at"]
    _table(f"API keys of {partner_id}", _call(ctx, "GET", f"/partners/{partner_id}/keys"), columns)


@keys_app.command("revoke")
def revoke_key(ctx: typer.Context, credential_id: str) -> None:
    """Revoke an API key."""
    _call(ctx, "DELETE", f"/keys/{credential_id}")
    typer.echo(f"revoked key {credential_id}")


# Grants

GRANT_COLUMNS = [
    "grant_id", "partner_id", "stream", "action", "status", "zones", "field_view",
    "purpose", "agreement_ref", "expires_at",
]  # fmt: skip


@grants_app.command("list")
def list_grants(ctx: typer.Context, partner: Annotated[str | None, typer.Option()] = None) -> None:
    """Grants, of one partner or all."""
    grants = _call(ctx, "GET", "/grants", params={"partner_id": partner})
    _table("Grants", grants, GRANT_COLUMNS)


@grants_app.command("create")
def create_grant(
    ctx: typer.Context,
    partner_id: str,
    stream: Annotated[str, typer.Argument(help=_choices(Stream))],
    action: Annotated[str, typer.Argument(help=_choices(GrantAction))],
    zone: Annotated[
        list[str] | None, typer.Option("--zone", help="Repeat for each zone; none = all.")
    ] = None,
    field_view: Annotated[
        list[str] | None,
        typer.Option(
            "--field-view", help=f"Repeat per classification: {_choices(Classification)}."
        ),
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
    _object("Grant created", _call(ctx, "POST", "/grants", body=body))


@grants_app.command("revoke")
def revoke_grant(ctx: typer.Context, grant_id: str) -> None:
    """Revoke a grant."""
    _call(ctx, "DELETE", f"/grants/{grant_id}")
    typer.echo(f"revoked grant {grant_id}")


# Subscriptions

SUBSCRIPTION_COLUMNS = [
    "subscription_id", "partner_id", "stream", "channel", "url", "zones", "event_types",
    "status", "created_at",
]  # fmt: skip


@subscriptions_app.command("list")
def list_subscriptions(
    ctx: typer.Context, partner: Annotated[str | None, typer.Option()] = None
) -> None:
    """Subscriptions (webhook, e-mail, SMS, inbox), of one partner or all."""
    subs = _call(ctx, "GET", "/subscriptions", params={"partner_id": partner})
    _table("Subscriptions", subs, SUBSCRIPTION_COLUMNS)


@subscriptions_app.command("add")
def add_subscription(
    ctx: typer.Context,
    partner_id: str,
    stream: Annotated[str, typer.Argument(help=_choices(Stream))],
    url: Annotated[
        str | None, typer.Argument(help="webhook: the http(s) URL the hub POSTs events to.")
    ] = None,
    channel: Annotated[
        str, typer.Option(help=f"{_choices(Channel)}: e-mail and SMS carry a notice only.")
    ] = Channel.WEBHOOK.value,
    email: Annotated[str | None, typer.Option(help="email: where notices go.")] = None,
    phone: Annotated[
        str | None, typer.Option(help="sms: the mobile number notices go to, E.164 (+1555…).")
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option(help="webhook: Standard Webhooks secret (whsec_…); generated if omitted."),
    ] = None,
    zone: Annotated[
        list[str] | None,
        typer.Option("--zone", help="Only events in these zones (repeat); narrows the grant's."),
    ] = None,
    event_type: Annotated[
        list[str] | None,
        typer.Option("--event-type", help="Only these event types of the stream (repeat)."),
    ] = None,
) -> None:
    """Add a webhook, e-mail, SMS or inbox endpoint; a webhook's secret is printed this once."""
    body: dict[str, Any] = {"stream": stream, "channel": channel}
    optional = {
        "url": url,
        "email": email,
        "phone": phone,
        "secret": secret,
        "zones": zone or None,
        "event_types": event_type or None,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    created = _call(ctx, "POST", f"/partners/{partner_id}/subscriptions", body=body)
    _object("Subscription created", {k: v for k, v in created.items() if k != "secret"})
    if created.get("secret") is not None:
        _console().print(
            "[bold yellow]The signing secret is shown only now. Store it safely.[/bold yellow]"
        )
        typer.echo(created["secret"])


@subscriptions_app.command("remove")
def remove_subscription(ctx: typer.Context, subscription_id: str) -> None:
    """Remove a subscription."""
    _call(ctx, "DELETE", f"/subscriptions/{subscription_id}")
    typer.echo(f"removed subscription {subscription_id}")


# Audit


ACCESS_REFUSED = "access.refused"


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
    entries = _call(ctx, "GET", "/audit", params={"limit": limit, "action": action})
    for entry in entries:
        entry["hash"] = str(entry.get("entry_hash", ""))[:12]
    if refusals:
        _table("Refusals", [_refusal_row(e) for e in entries], list(_REFUSAL_COLUMNS))
        return
    _table("Audit log", entries, ["id", "at", "actor", "action", "entity_id", "detail", "hash"])


_REFUSAL_COLUMNS = ("id", "at", "decided by", "refused", "attempted", "reason", "status", "count")


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
    result = _call(ctx, "GET", "/audit/verify")
    if result["ok"]:
        typer.echo(f"audit chain intact: {result['checked']} entries checked")
        return
    _fail(
        f"audit chain BROKEN: {result['checked']} entries intact before the first bad one",
        f"first bad entry: {result.get('first_bad_id')} ({result.get('reason') or 'no reason'})",
    )
