"""HTTP cross-cutting concerns of intake: the body size limit and counting refusals."""

import inspect
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cvihub_intake import metrics
from cvihub_runtime.problems import Problem, problem_response

KindOf = Callable[[Request], str | None]


class BodySizeLimit:
    """Answer 413 problem+json to a request whose body exceeds the limit, declared or streamed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, kind_of: KindOf) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.kind_of = kind_of

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
        if kind := self.kind_of(request):
            metrics.REFUSED.labels(kind=kind, reason="body-too-large").inc()
        response = problem_response(
            413,
            "body-too-large",
            f"request bodies are limited to {self.max_bytes} bytes",
            instance=request.url.path,
        )
        await response(scope, receive, send)


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
