"""Per-partner rate limits: a token bucket per partner, answered 429 with Retry-After and the
IETF draft RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers), never a 5xx.

The buckets live in this process: with several intake replicas each allows the limit, so set it
per replica. A partner's limit is the one the registry holds for it (PartnerChangedV1
revision 3, read from the registry copy and kept OWN_LIMIT_TTL_SECONDS), else its entry in
INTAKE_RATE_LIMIT_OVERRIDES, else INTAKE_RATE_LIMIT."""

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, Field
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cvihub_registry_copy import Principal
from cvihub_registry_copy.web import Authenticator
from cvihub_runtime.problems import Problem

STATE_KEY = "rate_limit_headers"
OWN_LIMIT_TTL_SECONDS = 5.0
"""How long a partner's limit read from the registry copy is used before it is read again."""


class RateLimit(BaseModel):
    """How many requests a partner may make: `per_minute` on average, `burst` at once."""

    per_minute: int = Field(default=1200, ge=1, le=1_000_000)
    burst: int = Field(default=200, ge=1, le=1_000_000)


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """Token buckets by partner; `clock` is monotonic seconds (a test may pass its own)."""

    default: RateLimit
    overrides: dict[str, RateLimit] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    own_limit: Callable[[str], Awaitable[RateLimit | None]] | None = None
    """The partner's limit as the registry set it (None: not set), when the limiter reads one."""
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _own: dict[str, tuple[float, RateLimit | None]] = field(default_factory=dict)

    def limit_of(self, partner_id: str, own: RateLimit | None = None) -> RateLimit:
        """The partner's limit: the registry's, else its override in settings, else the default."""
        return own or self.overrides.get(partner_id, self.default)

    async def own_limit_of(self, partner_id: str) -> RateLimit | None:
        """The registry's limit for the partner, read again after OWN_LIMIT_TTL_SECONDS."""
        if self.own_limit is None:
            return None
        now = self.clock()
        cached = self._own.get(partner_id)
        if cached is not None and now - cached[0] < OWN_LIMIT_TTL_SECONDS:
            return cached[1]
        own = await self.own_limit(partner_id)
        self._own[partner_id] = (now, own)
        return own

    def take(self, partner_id: str, own: RateLimit | None = None) -> tuple[bool, dict[str, str]]:
        """Spend one request; whether it is allowed, and the headers that say where it stands."""
        limit = self.limit_of(partner_id, own)
        rate = limit.per_minute / 60.0
        now = self.clock()
        bucket = self._buckets.get(partner_id)
        if bucket is None:
            bucket = self._buckets[partner_id] = _Bucket(tokens=float(limit.burst), updated=now)
        bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        until_full = math.ceil((limit.burst - bucket.tokens) / rate)
        headers = {
            "RateLimit-Limit": str(limit.burst),
            "RateLimit-Remaining": str(int(bucket.tokens)),
            "RateLimit-Reset": str(until_full),
            "RateLimit-Policy": f"{limit.burst};w={math.ceil(limit.burst / rate)}",
        }
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil((1.0 - bucket.tokens) / rate)))
        return allowed, headers


def limited(authenticator: Authenticator, limiter: RateLimiter) -> Authenticator:
    """The authenticator, then the caller's rate limit: 429 once the partner's bucket is empty."""

    async def rate_limited_partner(
        request: Request, principal: Annotated[Principal, Depends(authenticator)]
    ) -> Principal:
        own = await limiter.own_limit_of(principal.partner_id)
        allowed, headers = limiter.take(principal.partner_id, own)
        request.state.rate_limit_headers = headers
        if not allowed:
            raise Problem(
                429,
                "rate-limited",
                f"too many requests; retry after {headers['Retry-After']} s",
                headers=headers,
            )
        return principal

    return rate_limited_partner


class RateLimitHeaders:
    """Adds the RateLimit-* headers a request's limit check left to every answer it gets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; stamp the headers on the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                found = scope.get("state", {}).get(STATE_KEY)
                if found:
                    headers = MutableHeaders(scope=message)
                    for name, value in found.items():
                        if name not in headers:
                            headers[name] = value
            await send(message)

        await self.app(scope, receive, stamped)
