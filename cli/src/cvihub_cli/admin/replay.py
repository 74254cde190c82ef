"""`cvihub admin replay`: publish a stream's stored events again (intake's admin API)."""

from typing import Annotated

import httpx
import typer

from cvihub_cli.admin.client import admin_request, resolve, send, target_of
from cvihub_cli.admin.options import choices
from cvihub_cli.admin.render import fail, line
from cvihub_contracts import Stream

Moment = Annotated[str | None, typer.Option(help="ISO 8601 with a timezone.")]


def replay_request(
    intake_url: str,
    token: str,
    *,
    stream: str,
    since: str,
    until: str | None = None,
    partner: str | None = None,
) -> httpx.Request:
    """The request asking intake to re-publish what it accepted on a stream in a period."""
    body = {"stream": stream, "since": since, "until": until, "partner": partner}
    return admin_request("POST", intake_url, token, "/replay", body=body)


def replay(
    ctx: typer.Context,
    stream: Annotated[str, typer.Option(help=choices(Stream))],
    since: Annotated[str, typer.Option(help="ISO 8601 with a timezone, e.g. 2030-01-01T00:00Z.")],
    until: Moment = None,
    partner: Annotated[str | None, typer.Option(help="Only what this partner sent.")] = None,
    intake_url: Annotated[
        str | None,
        typer.Option(envvar="CVIHUB_INTAKE_URL", help="e.g. http://127.0.0.1:8002"),
    ] = None,
) -> None:
    """Re-publish what intake accepted on a stream in a period; prints how many.

    Consumers that lost events (a restored database, a new subscriber) get them again; --until
    and --partner narrow the period and the sender."""
    url, token = resolve(target_of(ctx), "intake", intake_url)
    answer = send(
        replay_request(url, token, stream=stream, since=since, until=until, partner=partner),
        "intake",
    )
    if not isinstance(answer, dict) or not isinstance(answer.get("replayed"), int):
        fail(f"intake answered without a count: {answer!r}"[:500])
    line(f"replayed {answer['replayed']} event(s) on {stream}")
