"""HTTP plumbing every service shares: partner authentication, health, metrics."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_runtime.db import SessionFactory
from cvihub_runtime.hosting import Hosting
from cvihub_runtime.problems import Problem
from cvihub_runtime.replica import RegistryReplica

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


def partner_authenticator(
    replica: RegistryReplica, sessions: SessionFactory
) -> Callable[..., Awaitable[str]]:
    """A dependency giving the id of the partner whose API key the request carries."""
    get_session = session_dependency(sessions)

    async def current_partner(
        api_key: Annotated[str, Depends(bearer_token)],
        session: Annotated[AsyncSession, Depends(get_session)],
    ) -> str:
        partner_id = await replica.authenticate(session, api_key)
        if partner_id is None:
            raise Problem(
                401,
                "unauthenticated",
                "the API key is unknown, revoked or expired",
                headers=UNAUTHORIZED_HEADERS,
            )
        return partner_id

    return current_partner


Progress = Callable[[], Awaitable[dict[str, int]]]


def replica_progress(replica: RegistryReplica, sessions: SessionFactory) -> Progress:
    """How far a service's copy of the registry has caught up, for `/health`."""

    async def progress() -> dict[str, int]:
        async with sessions() as session:
            return {"registry_copy_sequence": await replica.high_water(session)}

    return progress


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
