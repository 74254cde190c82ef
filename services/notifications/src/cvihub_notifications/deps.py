"""Every FastAPI dependency of the notifications API, built once from the service's
infrastructure."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from cvihub_contracts import Scope
from cvihub_notifications.models import registry_copy
from cvihub_registry_copy import Principal
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_registry_copy.web import PartnerDeps, partner_deps
from cvihub_runtime.db import SessionFactory

__all__ = ["PartnerDeps", "build_deps", "manager", "reader"]


def build_deps(
    *, sessions: SessionFactory, recorder: RefusalRecorder, on_committed: Callable[[], None]
) -> PartnerDeps:
    """Sessions, the calling partner (from the registry copy), the refusal recorder, and the
    worker's wake-up after a route requeued deliveries."""
    return partner_deps(
        registry_copy=registry_copy, sessions=sessions, recorder=recorder, on_committed=on_committed
    )


def _partner_with(deps: PartnerDeps, scope: Scope) -> Callable[..., Awaitable[str]]:
    async def partner_id(
        principal: Annotated[Principal, Depends(deps.scoped(scope))],
    ) -> str:
        return principal.partner_id

    return partner_id


def reader(deps: PartnerDeps) -> Callable[..., Awaitable[str]]:
    """A dependency: the calling partner's id, whose key must hold deliveries:read."""
    return _partner_with(deps, Scope.DELIVERIES_READ)


def manager(deps: PartnerDeps) -> Callable[..., Awaitable[str]]:
    """A dependency: the calling partner's id, whose key must hold profile:manage (resend,
    recover, re-enable its endpoints)."""
    return _partner_with(deps, Scope.PROFILE_MANAGE)
