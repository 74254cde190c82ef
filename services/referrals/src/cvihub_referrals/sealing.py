"""Personal data at rest in the referrals tables, sealed under the service's data key ring.

Referral payloads (the patient, the injury) and free-text notes are stored sealed
(`cvihub_runtime.secretbox.KeyRing`: Fernet under the current key of REFERRALS_DATA_KEYS, the
key id with it; the older keys of the ring still open). A value that is not sealed is a row
written before encryption: read as it is until `python -m cvihub_referrals.reencrypt` seals it.
"""

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_runtime.db import key_ring_of
from cvihub_runtime.secretbox import SEALED_PREFIX as _SEALED_BYTES
from cvihub_runtime.secretbox import KeyRing, key_id_of

SEALED_PREFIX = _SEALED_BYTES.decode()


def is_sealed(stored: str) -> bool:
    """Whether a stored value is sealed (not a plaintext row from before encryption)."""
    return key_id_of(stored.encode()) is not None


def seal_with(ring: KeyRing, plaintext: str) -> str:
    """The stored form of a value."""
    return ring.seal(plaintext.encode()).decode()


def unseal_with(ring: KeyRing, stored: str) -> str:
    """The plaintext of a stored value (a legacy plaintext row reads as it is)."""
    return ring.open(stored.encode()).decode() if is_sealed(stored) else stored


def seal(session: AsyncSession, plaintext: str | None) -> str | None:
    """The stored form of an optional text."""
    return None if plaintext is None else seal_with(key_ring_of(session), plaintext)


def unseal(session: AsyncSession, stored: str | None) -> str | None:
    """The plaintext of an optional stored text."""
    return None if stored is None else unseal_with(key_ring_of(session), stored)


def seal_json(session: AsyncSession, value: dict[str, Any]) -> str:
    """The stored form of a JSON document."""
    return seal_with(key_ring_of(session), json.dumps(value, separators=(",", ":")))


def unseal_json(session: AsyncSession, stored: str) -> dict[str, Any]:
    """The JSON document of a stored value."""
    document = json.loads(unseal_with(key_ring_of(session), stored))
    if not isinstance(document, dict):
        raise ValueError("a sealed payload is not a JSON object")
    return document
