"""API key scopes: the single vocabulary of what a key may be used for.

A key without scopes (revision-0 credential events, keys issued before scopes existed) may do
everything its partner's grants allow: scopes narrow a key, grants decide what a partner may do.
"""

from collections.abc import Iterable
from enum import StrEnum


class Scope(StrEnum):
    """One thing an API key may be used for."""

    REFERRALS_SUBMIT = "referrals:submit"
    """Intake: submit referrals (POST /v1/referrals)."""
    REFERRALS_READ = "referrals:read"
    """Referrals: read referrals addressed to or sent by the partner."""
    REFERRALS_UPDATE = "referrals:update"
    """Referrals: accept, decline, report status."""
    ALERTS_PUBLISH = "alerts:publish"
    """Intake: publish incident alerts (v1 and v2)."""
    BULLETINS_PUBLISH = "bulletins:publish"
    """Intake: publish bulletins."""
    DELIVERIES_READ = "deliveries:read"
    """Notifications: read the partner's delivery log."""
    CONSENTS_READ = "consents:read"
    """Registry: read consent records."""
    CONSENTS_WRITE = "consents:write"
    """Registry: record and withdraw consent records."""
    DIRECTORY_READ = "directory:read"
    """Registry: the partner directory, own profile, grants and streams."""
    PROFILE_MANAGE = "profile:manage"
    """Registry self-service: own profile, endpoints, key rotation, people admin."""


ALL_SCOPES: frozenset[Scope] = frozenset(Scope)
"""What a key without a scope list may do."""


def parse_scopes(values: Iterable[str] | None) -> frozenset[Scope]:
    """The scopes named by `values`; None means every scope.

    Raises ValueError on an unknown scope or an empty list (a key that can do nothing is a
    mistake, not a policy)."""
    if values is None:
        return ALL_SCOPES
    names = list(values)
    if not names:
        raise ValueError("a key needs at least one scope; omit scopes for a full-scope key")
    known = {scope.value for scope in Scope}
    unknown = sorted({name for name in names if name not in known})
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
    return frozenset(Scope(name) for name in names)


def sorted_scopes(scopes: Iterable[Scope]) -> list[Scope]:
    """Scopes in the vocabulary's order, for stable storage and display."""
    chosen = set(scopes)
    return [scope for scope in Scope if scope in chosen]
