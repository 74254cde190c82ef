"""Personal data at rest in the referrals tables, sealed under the service's key ring.

Referral payloads (the patient, the injury) and free-text notes are stored as `enc1:` and a
Fernet token under the current key of REFERRALS_SECRET_KEY (older keys in
REFERRALS_PREVIOUS_SECRET_KEYS still read). A value without the prefix is a row written before
encryption: read as it is until `python -m cvihub_referrals.reencrypt` seals it.
"""

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_runtime.db import SessionFactory
from cvihub_runtime.secretbox import KeyRing

SEALED_PREFIX = "enc1:"
_KEYRING = "cvihub_referrals.keyring"


def bind_keyring(sessions: SessionFactory, ring: KeyRing) -> None:
    """Let every session of the factory seal and unseal with this key ring."""
    sessions.configure(info={_KEYRING: ring})


def keyring_of(session: AsyncSession) -> KeyRing:
    """The key ring bound to the session's factory (bind_keyring)."""
    ring = session.info.get(_KEYRING)
    if not isinstance(ring, KeyRing):
        raise RuntimeError("no key ring bound to these sessions: call bind_keyring first")
    return ring


def is_sealed(stored: str) -> bool:
    """Whether a stored value is sealed (not a plaintext row from before encryption)."""
    return stored.startswith(SEALED_PREFIX)


def seal_with(ring: KeyRing, plaintext: str) -> str:
    """The stored form of a value."""
    return SEALED_PREFIX + ring.encrypt(plaintext)


def unseal_with(ring: KeyRing, stored: str) -> str:
    """The plaintext of a stored value (a legacy plaintext row reads as it is)."""
    return ring.decrypt(stored[len(SEALED_PREFIX) :]) if is_sealed(stored) else stored


def seal(session: AsyncSession, plaintext: str | None) -> str | None:
    """The stored form of an optional text."""
    return None if plaintext is None else seal_with(keyring_of(session), plaintext)


def unseal(session: AsyncSession, stored: str | None) -> str | None:
    """The plaintext of an optional stored text."""
    return None if stored is None else unseal_with(keyring_of(session), stored)


def seal_json(session: AsyncSession, value: dict[str, Any]) -> str:
    """The stored form of a JSON document."""
    return seal_with(keyring_of(session), json.dumps(value, separators=(",", ":")))


def unseal_json(session: AsyncSession, stored: str) -> dict[str, Any]:
    """The JSON document of a stored value."""
    document = json.loads(unseal_with(keyring_of(session), stored))
    if not isinstance(document, dict):
        raise ValueError("a sealed payload is not a JSON object")
    return document
