"""Every FastAPI dependency of the intake API, built once from the service's infrastructure."""

from collections.abc import Callable
from dataclasses import replace

from cvihub_intake.models import registry_copy
from cvihub_intake.ratelimit import RateLimit, RateLimiter, limited
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_registry_copy.web import PartnerDeps, partner_deps
from cvihub_runtime.db import SessionFactory

__all__ = ["PartnerDeps", "build_deps"]


def build_deps(
    *,
    sessions: SessionFactory,
    recorder: RefusalRecorder,
    on_committed: Callable[[], None],
    limiter: RateLimiter,
) -> PartnerDeps:
    """Sessions, the calling partner (from the registry copy, within its rate limit), refusals,
    the relay's wake-up."""
    deps = partner_deps(
        registry_copy=registry_copy, sessions=sessions, recorder=recorder, on_committed=on_committed
    )

    async def registry_limit(partner_id: str) -> RateLimit | None:
        async with sessions() as session:
            own = await registry_copy.rate_limit(session, partner_id)
        return RateLimit(per_minute=own.per_minute, burst=own.burst) if own else None

    limiter.own_limit = registry_limit
    return replace(deps, current_partner=limited(deps.current_partner, limiter))
