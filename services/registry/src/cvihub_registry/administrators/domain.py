"""The hub's named administrators and their API keys, as plain values.

Admin keys (`cva_<credential_id>_<secret>`) are a different kind from partner keys
(`cvh_…`): they live in their own table, never leave the registry (no change event carries
them, so no other service can be talked into accepting one) and are refused on partner routes.
The bootstrap token (REGISTRY_ADMIN_TOKEN) stays for the first administrator and break-glass
use; everything done with a named key is audited under `admin:<admin_id>`.
"""

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cvihub_registry_copy import hash_api_key

ADMIN_KEY_PREFIX = "cva_"
BOOTSTRAP_ACTOR = "admin"
"""The actor of what the bootstrap token does (and of everything before named admins)."""
ADMIN_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$"

_KEY = re.compile(r"^cva_(?P<credential_id>[a-f0-9]{12})_(?P<secret>[A-Za-z0-9_\-]{32,256})$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class AdminRole(StrEnum):
    """`admin` may change anything; `auditor` may only read (the audit, partners, grants…)."""

    ADMIN = "admin"
    AUDITOR = "auditor"


class AdminStatus(StrEnum):
    """A disabled administrator's keys stop working at once."""

    ACTIVE = "active"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Administrator:
    """A person who operates the hub; the e-mail is PII and never logged or audited."""

    admin_id: str
    name: str
    email: str | None
    role: AdminRole
    status: AdminStatus
    created_at: datetime
    updated_at: datetime

    @property
    def actor(self) -> str:
        """How the audit log names this administrator."""
        return actor_of(self.admin_id)


@dataclass(frozen=True)
class AdminCredential:
    """An administrator's API key, known only by its id and hash."""

    credential_id: str
    admin_id: str
    key_sha256: str
    status: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class AdminCaller:
    """Who is calling the admin API: a named administrator or the bootstrap token."""

    actor: str
    role: AdminRole
    admin_id: str | None = None
    credential_id: str | None = None

    def may(self, method: str) -> bool:
        """Whether this caller's role allows an HTTP method (auditors only read)."""
        return self.role is AdminRole.ADMIN or method.upper() in SAFE_METHODS


@dataclass(frozen=True)
class NewAdminKey:
    """A freshly generated admin key: shown once, then only its hash is kept."""

    credential_id: str
    api_key: str
    key_sha256: str


def actor_of(admin_id: str) -> str:
    """The audit actor of a named administrator."""
    return f"admin:{admin_id}"


def generate_admin_key() -> NewAdminKey:
    """A new random admin key."""
    credential_id = secrets.token_hex(6)
    api_key = f"{ADMIN_KEY_PREFIX}{credential_id}_{secrets.token_urlsafe(32)}"
    return NewAdminKey(credential_id, api_key, hash_api_key(api_key))


def admin_credential_id_of(token: str) -> str | None:
    """The credential id inside a well-formed admin key, else None."""
    match = _KEY.match(token)
    return match.group("credential_id") if match else None


def admin_key_matches(token: str, key_sha256: str) -> bool:
    """Whether the key hashes to the stored digest, compared in constant time."""
    return hmac.compare_digest(hash_api_key(token), key_sha256)
