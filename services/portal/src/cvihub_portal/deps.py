"""Every FastAPI dependency of the portal API: the signed-in person, idempotency keys."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from cvihub_portal import service
from cvihub_portal.service import Person, PortalCore
from cvihub_runtime.edges import mark_authenticator
from cvihub_runtime.problems import Problem

COOKIE = "cvihub_portal"
"""The HttpOnly cookie holding the registry device session token."""

CSRF_HEADER = "X-Portal"
"""Sent by the app on every change: a cross-site form cannot add it (SameSite does the rest)."""

_SAFE = {"GET", "HEAD", "OPTIONS"}


def session_token(request: Request) -> str | None:
    """The registry session token from the portal's cookie."""
    return request.cookies.get(COOKIE) or None


def person_guard(core: PortalCore) -> Callable[..., Awaitable[Person]]:
    """A dependency giving the signed-in person, 401 otherwise; it runs before any body."""

    async def check(request: Request) -> Person:
        if request.method not in _SAFE and request.headers.get(CSRF_HEADER) != "1":
            raise Problem(403, "missing-csrf-header", f"send {CSRF_HEADER}: 1 with each change")
        cached = getattr(request.state, "portal_person", None)
        if isinstance(cached, Person):
            return cached
        person = await service.authenticate(core, session_token(request))
        if person is None:
            raise Problem(401, "unauthenticated", "sign in again: the session is missing or over")
        request.state.portal_person = person
        return person

    async def precheck(request: Request) -> None:
        await check(request)

    return mark_authenticator(check, precheck)  # type: ignore[no-any-return]


def idempotency_key(
    idempotency_key: Annotated[
        str,
        Header(
            min_length=8,
            max_length=100,
            pattern=r"^[A-Za-z0-9_.:-]+$",
            description="One per action, kept by the device across retries: the action lands "
            "once however often it is sent.",
        ),
    ],
) -> str:
    """The action's Idempotency-Key header."""
    return idempotency_key


IdempotencyKey = Annotated[str, Depends(idempotency_key)]


def ability(core: PortalCore, name: str) -> Callable[..., Awaitable[Person]]:
    """A dependency admitting only people whose role includes an ability."""
    guard = person_guard(core)

    async def able(person: Annotated[Person, Depends(guard)]) -> Person:
        if not person.may(name):
            raise Problem(403, "not-your-role", f"your role ({person.role}) does not {name}")
        return person

    return able
