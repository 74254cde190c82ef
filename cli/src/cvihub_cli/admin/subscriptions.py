"""`cvihub admin subscriptions`: partners' delivery endpoints."""

from typing import Annotated, Any

import typer

from cvihub_cli.admin.client import call
from cvihub_cli.admin.options import PartnerFilter, choices
from cvihub_cli.admin.render import line, notice, record, table
from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import Channel

subscriptions_app = typer.Typer(
    help="Partners' delivery endpoints: webhook, e-mail notice, inbox.", no_args_is_help=True
)

SUBSCRIPTION_COLUMNS = [
    "subscription_id", "partner_id", "stream", "channel", "url", "zones", "event_types",
    "status", "created_at",
]  # fmt: skip


@subscriptions_app.command("list")
def list_subscriptions(ctx: typer.Context, partner: PartnerFilter = None) -> None:
    """Subscriptions (webhook, e-mail, SMS, inbox), of one partner or all."""
    subs = call(ctx, "GET", "/subscriptions", params={"partner_id": partner})
    table("Subscriptions", subs, SUBSCRIPTION_COLUMNS)


@subscriptions_app.command("add")
def add_subscription(
    ctx: typer.Context,
    partner_id: str,
    stream: Annotated[str, typer.Argument(help=choices(Stream))],
    url: Annotated[
        str | None, typer.Argument(help="webhook: the http(s) URL the hub POSTs events to.")
    ] = None,
    channel: Annotated[
        str, typer.Option(help=f"{choices(Channel)}: e-mail and SMS carry a notice only.")
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
    created = call(ctx, "POST", f"/partners/{partner_id}/subscriptions", body=body)
    record("Subscription created", {k: v for k, v in created.items() if k != "secret"})
    if created.get("secret") is not None:
        notice("[bold yellow]The signing secret is shown only now. Store it safely.[/bold yellow]")
        line(created["secret"])


@subscriptions_app.command("remove")
def remove_subscription(ctx: typer.Context, subscription_id: str) -> None:
    """Remove a subscription."""
    call(ctx, "DELETE", f"/subscriptions/{subscription_id}")
    line(f"removed subscription {subscription_id}")
