"""Who an API key speaks for: the key format every service checks, and the principal it names."""

import hashlib
import re
from dataclasses import dataclass

from cvihub_contracts import Scope, parse_scopes

API_KEY_PREFIX = "cvh_"
# The shape the registry issues: cvh_<credential_id>_<secret>. Only the id is ever kept.
_KEY = re.compile(r"^cvh_(?P<credential_id>[a-z0-9]{4,32})_[A-Za-z0-9_\-]{16,256}$")


def hash_api_key(api_key: str) -> str:
    """SHA-256 of an API key. Keys are long random strings, so a fast hash is the right one."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def credential_id_of(api_key: str | None) -> str | None:
    """The public id inside a well-formed API key, or None; the secret is never returned."""
    if not api_key:
        return None
    match = _KEY.match(api_key.strip())
    return match.group("credential_id") if match else None


@dataclass(frozen=True)
class Principal:
    """Who a request's API key speaks for, and what the key may be used for."""

    partner_id: str
    credential_id: str
    scopes: frozenset[Scope]

    def allows(self, *scopes: Scope) -> bool:
        """Whether the key holds at least one of `scopes`."""
        return any(scope in self.scopes for scope in scopes)


def principal_scopes(stored: list[str] | None) -> frozenset[Scope]:
    """The scopes of a stored credential: None (a key from before scopes) = every scope.

    Names this copy does not know (a newer registry) are ignored: default deny."""
    if stored is None:
        return parse_scopes(None)
    known = {scope.value for scope in Scope}
    return frozenset(Scope(name) for name in stored if name in known)
