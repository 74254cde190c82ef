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
from cvihub_registry.service.auth import (
    admin_caller,
    audit_entries,
    authenticate_partner,
    authorize_admin,
    authorize_scope,
    own_key_scopes,
    refuse_admin_role,
)
from cvihub_registry.service.bootstrap import SeedReport, apply_seed, publish_snapshot
from cvihub_registry.service.core import RegistryCore
from cvihub_registry.service.partners import (
    create_partner,
    get_partner,
    issue_key,
    list_directory,
    list_keys,
    list_partners,
    revoke_key,
    update_partner,
)
from cvihub_registry.service.self_service import (
    create_own_subscription,
    revoke_own_subscription,
    update_own_profile,
)
from cvihub_registry.service.streams import StreamInfo, stream_catalog

__all__ = [
    "RegistryCore",
    "SeedReport",
    "StreamInfo",
    "admin_caller",
    "announce_head",
    "apply_seed",
    "audit_entries",
    "authenticate_partner",
    "authorize_admin",
    "authorize_scope",
    "create_grant",
    "create_own_subscription",
    "create_partner",
    "create_subscription",
    "get_partner",
    "issue_key",
    "list_directory",
    "list_grants",
    "list_keys",
    "list_partners",
    "list_subscriptions",
    "own_key_scopes",
    "publish_snapshot",
    "refuse_admin_role",
    "revoke_grant",
    "revoke_key",
    "revoke_own_subscription",
    "revoke_subscription",
    "stream_catalog",
    "update_grant",
    "update_own_profile",
    "update_partner",
    "verify_audit",
]
