"""When a grant is in force (pure)."""

from datetime import datetime

from cvihub_registry.domain import Grant, RevocableStatus


def grant_in_force(grant: Grant, now: datetime) -> bool:
    """Whether a grant is active and within its period [starts_at, expires_at)."""
    if grant.status is not RevocableStatus.ACTIVE:
        return False
    if grant.starts_at is not None and now < grant.starts_at:
        return False
    return grant.expires_at is None or now < grant.expires_at
