"""API keys: `cvh_<credential_id>_<secret>`; only the SHA-256 of the whole key is kept."""

import hmac
import re
import secrets
from dataclasses import dataclass

from cvihub_registry_copy import API_KEY_PREFIX, hash_api_key

# Generated ids are 12 hex chars; seeded ids may be any short lowercase alphanumeric string.
_KEY = re.compile(r"^cvh_(?P<credential_id>[a-z0-9]{4,32})_(?P<secret>[A-Za-z0-9_\-]{16,256})$")


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key, its public id and its hash."""

    credential_id: str
    api_key: str
    key_sha256: str


def new_credential_id() -> str:
    """12 random hex chars: the public prefix that names a key."""
    return secrets.token_hex(6)


def generate_key() -> NewKey:
    """A new random API key."""
    credential_id = new_credential_id()
    api_key = f"{API_KEY_PREFIX}{credential_id}_{secrets.token_urlsafe(32)}"
    return NewKey(credential_id=credential_id, api_key=api_key, key_sha256=hash_api_key(api_key))


def credential_id_of(api_key: str) -> str | None:
    """The credential id inside a well-formed key, or None when the key is malformed."""
    match = _KEY.match(api_key)
    return match.group("credential_id") if match else None


def key_from_text(api_key: str) -> NewKey:
    """A given key (e.g. from the seed file) with its id and hash; ValueError if malformed."""
    credential_id = credential_id_of(api_key)
    if credential_id is None:
        raise ValueError("an API key looks like cvh_<credential_id>_<secret of 16+ chars>")
    return NewKey(credential_id=credential_id, api_key=api_key, key_sha256=hash_api_key(api_key))


def key_matches(api_key: str, key_sha256: str) -> bool:
    """Whether the key hashes to the stored digest, compared in constant time."""
    return hmac.compare_digest(hash_api_key(api_key), key_sha256)
