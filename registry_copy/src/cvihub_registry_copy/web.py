"""FastAPI dependencies that decide from the copy: who is calling, with which scopes, and how far
the copy has caught up (for `/health`)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Scope
from cvihub_registry_copy.principals import Principal
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_registry_copy.store import RegistryCopy
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.edges import mark_authenticator
from cvihub_runtime.problems import Problem
from cvihub_runtime.web import UNAUTHORIZED_HEADERS, Progress, bearer_token, insufficient_scope

Authenticator = Callable[..., Awaitable[Principal]]
"""A FastAPI dependency giving the request's authenticated principal."""


def partner_authenticator(registry_copy: RegistryCopy, sessions: SessionFactory) -> Authenticator:
    """A dependency giving the principal (partner, key, scopes) of the request's API key.

    It opens a session of its own and returns it to the pool before the route runs, so a request
    never holds two pooled connections at once. It also sets `request.state.principal`, so code
    that sees only the request (e.g. the refusal audit) knows who was refused."""

    async def authenticate(request: Request, api_key: str) -> Principal:
        known = getattr(request.state, "principal", None)
        if isinstance(known, Principal):  # the precheck already did it for this request
            return known
        session: AsyncSession
        async with sessions() as session:
            principal = await registry_copy.authenticate(session, api_key)
        if principal is None:
            raise Problem(
                401,
                "unauthenticated",
                "the API key is unknown, revoked or expired",
                headers=UNAUTHORIZED_HEADERS,
            )
        request.state.principal = principal
        return principal

    async def current_principal(
        request: Request, api_key: Annotated[str, Depends(bearer_token)]
    ) -> Principal:
        return await authenticate(request, api_key)

    async def precheck(request: Request) -> None:
        # Before a JSON body is read (cvihub_runtime.edges): 401 comes before any body error.
        await authenticate(request, bearer_token(request.headers.get("authorization")))

    mark_authenticator(current_principal, precheck)
    return current_principal


def check_scope(principal: Principal, *scopes: Scope) -> Principal:
    """The principal if its key holds at least one of `scopes`; else the 403 problem."""
    if not principal.allows(*scopes):
        raise insufficient_scope(*scopes)
    return principal


def require_scope(authenticator: Authenticator, *scopes: Scope) -> Authenticator:
    """A dependency: the authenticated principal, whose key must hold one of `scopes`."""
    if not scopes:
        raise ValueError("require_scope needs at least one scope")

    async def scoped_principal(
        principal: Annotated[Principal, Depends(authenticator)],
    ) -> Principal:
        return check_scope(principal, *scopes)

    return scoped_principal


def copy_progress(registry_copy: RegistryCopy, sessions: SessionFactory) -> Progress:
    """How far a service's copy of the registry has caught up, for `/health`."""

    async def progress() -> dict[str, int]:
        async with sessions() as session:
            return {"registry_copy_sequence": await registry_copy.high_water(session)}

    return progress


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class PartnerDeps:
    """What a partner-facing router needs, built once by the service's deps.py: sessions, the
    caller's principal, the refusal recorder, and what to wake after a commit."""

    sessions: SessionFactory
    current_partner: Authenticator
    recorder: RefusalRecorder
    on_committed: Callable[[], None] = _nothing

    def scoped(self, *scopes: Scope) -> Authenticator:
        """A dependency: the caller, whose key must hold one of `scopes`."""
        return require_scope(self.current_partner, *scopes)


def partner_deps(
    *,
    registry_copy: RegistryCopy,
    sessions: SessionFactory,
    recorder: RefusalRecorder,
    on_committed: Callable[[], None] = _nothing,
) -> PartnerDeps:
    """The dependencies of a service whose partners authenticate against its registry copy."""
    return PartnerDeps(
        sessions=sessions,
        current_partner=partner_authenticator(registry_copy, sessions),
        recorder=recorder,
        on_committed=on_committed,
    )
