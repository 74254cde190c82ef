"""Every FastAPI dependency of the referrals API, built once from the service's infrastructure."""

from collections.abc import Callable

from cvihub_referrals.models import registry_copy
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_registry_copy.web import PartnerDeps, partner_deps
from cvihub_runtime.db import SessionFactory

__all__ = ["PartnerDeps", "build_deps"]


def build_deps(
    *, sessions: SessionFactory, recorder: RefusalRecorder, on_committed: Callable[[], None]
) -> PartnerDeps:
    """Sessions, the calling partner (from the registry copy), refusals, the relay's wake-up."""
    return partner_deps(
        registry_copy=registry_copy, sessions=sessions, recorder=recorder, on_committed=on_committed
    )
