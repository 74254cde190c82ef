"""The operator's admin token guarding a service's /v1/admin routes (Bearer, compared in
constant time); without a configured token every call is refused."""

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from cvihub_runtime.edges import mark_authenticator
from cvihub_runtime.problems import Problem
from cvihub_runtime.web import UNAUTHORIZED_HEADERS, bearer_token

ADMIN_PREFIX = "/v1/admin"


def admin_guard(admin_token: str | None) -> Callable[..., Any]:
    """A dependency that refuses (401 problem) any request without the admin token."""

    def check(token: str) -> None:
        if admin_token is None or not hmac.compare_digest(token.encode(), admin_token.encode()):
            raise Problem(
                401,
                "unauthenticated",
                "send the admin token as Authorization: Bearer <token>",
                headers=UNAUTHORIZED_HEADERS,
            )

    async def require_admin(token: Annotated[str, Depends(bearer_token)]) -> None:
        check(token)

    async def precheck(request: Request) -> None:
        check(bearer_token(request.headers.get("authorization")))

    mark_authenticator(require_admin, precheck)
    return require_admin
