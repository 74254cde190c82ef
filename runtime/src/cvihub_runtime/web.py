"""HTTP plumbing every service shares: sessions per request, bearer tokens, health, metrics."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import FastAPI, Header, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Scope
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.hosting import Hosting
from cvihub_runtime.problems import Problem

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="cvihub"'}


def session_dependency(sessions: SessionFactory) -> Callable[[], AsyncIterator[AsyncSession]]:
    """A FastAPI dependency yielding one session per request."""

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    return get_session


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str:
    """The API key from `Authorization: Bearer …`."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Problem(
            401,
            "unauthenticated",
            "send your API key as Authorization: Bearer <key>",
            headers=UNAUTHORIZED_HEADERS,
        )
    return authorization[len("bearer ") :].strip()


def insufficient_scope(*scopes: Scope) -> Problem:
    """The 403 for a key lacking every one of `scopes` (RFC 6750 `insufficient_scope`)."""
    names = " ".join(scope.value for scope in scopes)
    wanted = " or ".join(scope.value for scope in scopes)
    return Problem(
        403,
        "insufficient-scope",
        f"this API key lacks the scope {wanted}",
        headers={"WWW-Authenticate": f'Bearer error="insufficient_scope" scope="{names}"'},
        required_scope=[scope.value for scope in scopes],
    )


Progress = Callable[[], Awaitable[dict[str, int]]]
"""Counters saying how far a service has caught up, shown by `/health`."""


def install_ops_routes(app: FastAPI, hosting: Hosting, progress: Progress | None = None) -> None:
    """`/health` (200 when the database and broker are up, 503 otherwise) and `/metrics`.

    `progress` adds counters that say how far the service has caught up (e.g. its registry copy),
    so an operator or `cvihub up` can wait until the hub is ready, not merely alive.
    """

    @app.get("/health", tags=["operations"], summary="Liveness and readiness")
    async def health() -> JSONResponse:
        checks = await hosting.health()
        healthy = all(value == "ok" for value in checks.values())
        body: dict[str, object] = {
            "service": hosting.name,
            "status": "ok" if healthy else "degraded",
            "checks": checks,
        }
        if progress is not None and healthy:
            body["progress"] = await progress()
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
