"""`cvihub admin notices`: every partner's operational notices (notifications' admin API): a
delivery given up, an endpoint disabled."""

from typing import Annotated

import httpx
import typer

from cvihub_cli.admin.client import admin_request, resolve, send, target_of
from cvihub_cli.admin.render import fail, table

NOTICE_COLUMNS = [
    "created_at",
    "kind",
    "partner_id",
    "subscription_id",
    "delivery_id",
    "reason",
    "partner_mailed_at",
    "admin_mailed_at",
]


def notices_request(
    notifications_url: str,
    token: str,
    *,
    partner: str | None = None,
    limit: int = 50,
    before: str | None = None,
) -> httpx.Request:
    """The request listing notices, newest first (one partner's with `partner`)."""
    params = {"partner_id": partner, "limit": limit, "before": before}
    return admin_request("GET", notifications_url, token, "/notices", params=params)


def notices(
    ctx: typer.Context,
    partner: Annotated[str | None, typer.Option(help="Only this partner's.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many.")] = 50,
    before: Annotated[str | None, typer.Option(help="Older than this notice id.")] = None,
    notifications_url: Annotated[
        str | None,
        typer.Option(envvar="CVIHUB_NOTIFICATIONS_URL", help="e.g. http://127.0.0.1:8004"),
    ] = None,
) -> None:
    """List operational notices, newest first: deliveries given up (attempt-exhausted) and
    endpoints disabled (410 Gone, or failing too long). Each was mailed to the partner's
    contact address and the hub admin's."""
    url, token = resolve(target_of(ctx), "notifications", notifications_url)
    answer = send(
        notices_request(url, token, partner=partner, limit=limit, before=before), "notifications"
    )
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        fail(f"notifications answered without a list: {answer!r}"[:500])
    table("Notices", answer["items"], NOTICE_COLUMNS)
