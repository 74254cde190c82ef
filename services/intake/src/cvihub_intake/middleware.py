"""HTTP cross-cutting concerns of intake: counting refused submissions by kind and reason."""

import inspect
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from cvihub_intake import metrics
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
