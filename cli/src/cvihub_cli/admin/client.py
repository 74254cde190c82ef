"""The hub's admin HTTP APIs, as the admin commands call them (never by importing a service)."""

from typing import Any, NoReturn

import httpx
import typer

from cvihub_cli.admin.options import Target
from cvihub_cli.admin.render import fail
from cvihub_cli.stack_info import StackInfo

PREFIX = "/v1/admin"
TIMEOUT = 10.0


def target_of(ctx: typer.Context) -> Target:
    """The target the admin callback stored."""
    target = ctx.find_object(Target)
    assert target is not None, "admin commands run under the admin callback"
    return target


def resolve(target: Target, service: str = "registry", url: str | None = None) -> tuple[str, str]:
    """A service's base URL and the admin token: options, else environment (via typer's
    envvar), else the running local hub."""
    url = url or (target.registry_url if service == "registry" else None)
    token = target.token
    if url is None or token is None:
        path = target.data_dir / "stack.json"
        if not path.exists():
            fail(
                f"No {service} given: pass --{service}-url and --token, set "
                f"CVIHUB_{service.upper()}_URL and CVIHUB_ADMIN_TOKEN, or start the hub with "
                f"./hub up ({path} not found)."
            )
        info = StackInfo.load(path)
        url = url or info.urls[service]
        token = token or info.admin_token
    return url.rstrip("/"), token


def admin_request(
    method: str,
    base_url: str,
    token: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> httpx.Request:
    """An admin API request: bearer token, JSON body, and only the query parameters given."""
    return httpx.Request(
        method,
        f"{base_url}{PREFIX}{path}",
        json=body,
        params={k: v for k, v in (params or {}).items() if v is not None},
        headers={"Authorization": f"Bearer {token}"},
    )


def problem(response: httpx.Response) -> NoReturn:
    """Print a problem+json answer: title, detail, and each bad field by pointer; exit 1."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        fail(f"{response.status_code} {response.reason_phrase}", response.text[:500])
    lines = [f"{body.get('title', response.reason_phrase)} ({response.status_code})"]
    if body.get("detail"):
        lines.append(str(body["detail"]))
    lines.extend(
        f"  {error.get('pointer', '#')}: {error.get('detail', '')}"
        for error in body.get("errors") or []
        if isinstance(error, dict)
    )
    fail(*lines)


def send(request: httpx.Request, service: str = "registry") -> Any:
    """Send one request; the decoded JSON answer, or exit 1 printing what went wrong."""
    try:
        with httpx.Client(timeout=TIMEOUT) as client:
            response = client.send(request)
    except httpx.HTTPError as exc:
        base = f"{request.url.scheme}://{request.url.netloc.decode()}"
        fail(f"Cannot reach the {service} at {base}: {type(exc).__name__}")
    if response.is_error:
        problem(response)
    return response.json() if response.content else None


def call(
    ctx: typer.Context,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> Any:
    """One registry admin API call; the decoded JSON answer, or exit 1 saying what went wrong."""
    url, token = resolve(target_of(ctx))
    return send(admin_request(method, url, token, path, body=body, params=params))
