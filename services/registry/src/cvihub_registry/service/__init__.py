"""The registry's use cases, free of any web or broker framework.

Every change bumps the global sequence, writes its audit row and enqueues its contract event in
one transaction, then wakes the outbox relay.
"""

from cvihub_registry.service.access import (
    create_grant,
    create_subscription,
    list_grants,
    list_subscriptions,
    revoke_grant,
    revoke_subscription,
    update_grant,
)
from cvihub_registry.service.audit import announce_head, verify_audit
from cvihub_registry.service.auth import audit_entries, authenticate_partner, authorize_admin
from cvihub_registry.service.bootstrap import SeedReport, apply_seed, publish_snapshot
from cvihub_registry.service.core import RegistryCore
from cvihub_registry.service.partners import (
    create_partner,
    get_partner,
    issue_key,
    list_keys,
    list_partners,
    revoke_key,
    update_partner,
)

__all__ = [
    "RegistryCore",
    "SeedReport",
    "announce_head",
    "apply_seed",
    "audit_entries",
    "authenticate_partner",
    "authorize_admin",
    "create_grant",
    "create_partner",
    "create_subscription",
    "get_partner",
    "issue_key",
    "list_grants",
    "list_keys",
    "list_partners",
    "list_subscriptions",
    "publish_snapshot",
    "revoke_grant",
    "revoke_key",
    "revoke_subscription",
    "update_grant",
    "update_partner",
    "verify_audit",
]
