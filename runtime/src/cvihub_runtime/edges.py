"""The HTTP edge every service shares: what a request must be before any route reads it.

- A body over the limit is refused with 413 while it streams in, before authentication or
  parsing, so a huge or slow upload costs one connection and never the event loop.
- A route that takes a JSON body and needs a key authenticates first: a caller without a valid
  key learns nothing from its body (401 before 415, 400 or 422).
- A JSON route refuses other media types (415) and bodies that are not UTF-8 (400), both as
  problem+json.

Authenticators take part by carrying a `precheck` (see `mark_authenticator`); routes take part
by being GuardedRoutes (routers made with `api_router`).
"""

from collections.abc import Awaitable, Callable, Coroutine, Iterator
from email.message import Message as MimeType
from typing import Any

from fastapi import APIRouter, FastAPI, Request, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cvihub_runtime.problems import Problem, problem_response

DEFAULT_MAX_BODY_BYTES = 1_048_576
"""1 MiB: far above any single event the hub takes as JSON."""

Precheck = Callable[[Request], Awaitable[None]]
"""Raises the 401 (or 403) problem when the request's credentials are not good."""

PRECHECK_ATTRIBUTE = "cvihub_precheck"


OnRefused = Callable[[Request], None]
"""Told of each body refused for its size (e.g. to count it)."""


def mark_authenticator(dependency: Any, precheck: Precheck) -> Any:
    """Tag an authentication dependency so JSON routes run `precheck` before reading a body."""
    setattr(dependency, PRECHECK_ATTRIBUTE, precheck)
    return dependency


class BodySizeLimit:
    """Answer 413 problem+json to a request whose body exceeds the limit, declared or streamed."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, on_refused: OnRefused | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body up to the limit, then hand it on, or refuse it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        # A chunked body declares no length: count it as it comes.
        chunks: list[bytes] = []
        size = 0
        pending: list[Message] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                pending.append(message)
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        pending.insert(0, {"type": "http.request", "body": b"".join(chunks), "more_body": False})

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        if self.on_refused is not None:
            self.on_refused(request)
        response = problem_response(
            413,
            "body-too-large",
            f"request bodies are limited to {self.max_bytes} bytes",
            instance=request.url.path,
        )
        # The rest of the body is not read; the connection is closed after the answer.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def prechecks_of(route: APIRoute) -> list[Precheck]:
    """The prechecks of the authenticators a route depends on, directly or not."""
    found: list[Precheck] = []
    for sub in _dependencies(route.dependant):
        precheck = getattr(sub.call, PRECHECK_ATTRIBUTE, None)
        if precheck is not None and precheck not in found:
            found.append(precheck)
    return found


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = MimeType()
    mime["content-type"] = content_type
    subtype = mime.get_content_subtype()
    return mime.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class GuardedRoute(APIRoute):
    """An API route whose JSON body is read only after its key is checked (see module doc).

    Build routers with `api_router()` so every route is one of these."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        prechecks = prechecks_of(self)
        takes_json = self.body_field is not None and not _is_form(self)
        if not takes_json:
            return handler

        async def guarded(request: Request) -> Response:
            for precheck in prechecks:
                await precheck(request)
            body = await request.body()
            if body and not _is_json(request.headers.get("content-type")):
                raise Problem(
                    415,
                    "unsupported-media-type",
                    "send the body as application/json",
                    headers={"Accept-Post": "application/json"},
                )
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                raise Problem(400, "body-not-utf8", "the body is not UTF-8 text") from None
            return await handler(request)

        return guarded


def _is_form(route: APIRoute) -> bool:
    # Uploads (form fields, files) are not JSON; File is a kind of Form.
    return isinstance(getattr(route.body_field, "field_info", None), params.Form)


def api_router(**options: Any) -> APIRouter:
    """An APIRouter whose routes are GuardedRoutes; takes APIRouter's own options."""
    return APIRouter(route_class=GuardedRoute, **options)


def unguarded_routes(app: FastAPI) -> list[str]:
    """Routes taking a body that are not GuardedRoutes ("METHOD /path"): tests keep it empty."""
    found: list[str] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if (
            isinstance(route, APIRoute)
            and not isinstance(route, GuardedRoute)
            and route.body_field is not None
        ):
            methods = sorted(route.methods or ())
            found.extend(f"{method} {context.path_format}" for method in methods)
    return found


def install_edges(
    app: FastAPI,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    on_refused: OnRefused | None = None,
) -> None:
    """The body size limit (the route guards come with `api_router`)."""
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes, on_refused=on_refused)
