"""HTTP cross-cutting concerns of intake: counting refused submissions by kind and reason, and
the larger body limit of uploads."""

import inspect
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cvihub_intake import metrics
from cvihub_runtime.edges import BodySizeLimit, OnRefused
from cvihub_runtime.problems import Problem

KindOf = Callable[[Request], str | None]


def count_body_refusal(kind_of: KindOf) -> Callable[[Request], None]:
    """Counts a submission refused for its size (see cvihub_runtime.edges.BodySizeLimit)."""

    def counted(request: Request) -> None:
        if kind := kind_of(request):
            metrics.REFUSED.labels(kind=kind, reason="body-too-large").inc()

    return counted


def install_refusal_counting(app: FastAPI, *, kind_of: KindOf) -> None:
    """Count every refused submission by its problem kind; call after install_problem_handlers."""
    on_problem = app.exception_handlers[Problem]
    on_validation = app.exception_handlers[RequestValidationError]

    async def counted_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        _count(request, exc.kind)
        return await _settle(on_problem(request, exc))

    async def counted_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        _count(request, "validation-error")
        return await _settle(on_validation(request, _point_json_errors_at_body(exc)))

    def _count(request: Request, reason: str) -> None:
        if kind := kind_of(request):
            metrics.REFUSED.labels(kind=kind, reason=reason).inc()

    app.add_exception_handler(Problem, counted_problem)
    app.add_exception_handler(RequestValidationError, counted_validation)


async def _settle(result: Response | Awaitable[Response]) -> Response:
    # Starlette types an exception handler as sync or async; the shared ones are async.
    return await result if inspect.isawaitable(result) else result


def _point_json_errors_at_body(exc: RequestValidationError) -> RequestValidationError:
    # FastAPI locates malformed JSON at ("body", <character offset>), which the shared handler
    # would turn into a pointer to a field named after the offset; the whole body is at fault.
    errors = [
        {**err, "loc": ("body",)} if err.get("type") == "json_invalid" else err
        for err in exc.errors()
    ]
    return RequestValidationError(errors, body=exc.body)


class LargerBodiesUnder:
    """The shared body limit, with a larger one for paths under `prefix` (file uploads).

    Install after install_http_surface, whose own limit must then be at least `larger`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        prefix: str,
        default: int,
        larger: int,
        on_refused: OnRefused | None = None,
    ) -> None:
        self.prefix = prefix
        self.small = BodySizeLimit(app, max_bytes=default, on_refused=on_refused)
        self.large = BodySizeLimit(app, max_bytes=larger, on_refused=on_refused)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the request to the limit its path falls under."""
        path = str(scope.get("path", ""))
        under = path == self.prefix or path.startswith(self.prefix + "/")
        await (self.large if under else self.small)(scope, receive, send)
