"""RFC 9457 problem details for every error a service's HTTP API returns."""

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://docs.cvihub.org/problems/"


class Problem(Exception):
    """An error the API reports as problem details; `kind` names the problem type."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.headers = headers
        self.extensions = extensions


def problem_response(
    status: int,
    kind: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _pointer(error: dict[str, Any]) -> str:
    """A JSON pointer into the body; "#" for the body as a whole (e.g. malformed JSON)."""
    location = tuple(error["loc"])
    if error["type"] == "json_invalid":
        return "#"
    # FastAPI prefixes the part of the request ("body", "query"…); the pointer is into the body.
    parts = (
        [str(p) for p in location[1:]]
        if location and location[0] == "body"
        else [str(p) for p in location]
    )
    return "#/" + "/".join(parts) if parts else "#"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at the request's path."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        if route.path_format and compile_path(route.path_format)[0].match(request.url.path):
            methods |= set(route.methods or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


RETRY_AFTER_SECONDS = 1
"""What a shed request is told to wait before it tries again."""


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of the app, including validation errors, a problem+json response."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(
            exc.status,
            exc.kind,
            exc.detail,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extensions,
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Input values are not echoed back: they may be PII or PHI.
        errors = [
            {"pointer": _pointer(dict(err)), "detail": err["msg"], "code": err["type"]}
            for err in exc.errors()
        ]
        return problem_response(
            422,
            "validation-error",
            f"{len(errors)} field(s) failed validation",
            instance=request.url.path,
            errors=errors,
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kind = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            # Starlette names the methods of the first route matching the path only; a path
            # served by several routes (GET here, POST there) allows all of theirs.
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem_response(
            exc.status_code,
            kind,
            str(exc.detail),
            instance=request.url.path,
            headers=headers or None,
        )

    async def on_overload(request: Request, exc: Exception) -> JSONResponse:
        # No connection free in time, or SQLite's write lock held too long: the hub is busy,
        # not broken. Shed the request with a 503 the client may retry, never a 500.
        log.warning("request shed: database busy", error=type(exc).__name__, path=request.url.path)
        return problem_response(
            503,
            "overloaded",
            "the hub is busy; retry after the time in Retry-After",
            instance=request.url.path,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    async def on_operational(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OperationalError)
        if "database is locked" in str(exc.orig):
            return await on_overload(request, exc)
        raise exc

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(PoolTimeout, on_overload)
    app.add_exception_handler(OperationalError, on_operational)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
