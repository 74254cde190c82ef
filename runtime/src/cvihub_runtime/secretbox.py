"""Authenticated encryption (Fernet) of what must be read back: webhook secrets, and, under a
ring of named keys that can rotate, data at rest such as outbox payloads."""

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    """Encrypts and decrypts with the hub's key (a urlsafe base64 32-byte Fernet key)."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise ValueError("the secret key must be a Fernet key (Fernet.generate_key())") from exc
        self._key = key.encode()

    def digest(self, text: str, *, purpose: str) -> str:
        """A keyed digest of `text` (HMAC-SHA256 under a key derived from this one for
        `purpose`): stable while the key is, and no guess of the text can be checked without
        the key (unlike a plain hash of a sequential number)."""
        derived = hmac.new(self._key, b"cvihub-digest:" + purpose.encode(), hashlib.sha256)
        return hmac.new(derived.digest(), text.encode(), hashlib.sha256).hexdigest()[:32]

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext as text."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Plaintext; raises ValueError when the ciphertext was not made with this key."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with this key") from exc


# A sealed value is b"cvh1:<key id>:<Fernet token>"; the id says which key of the ring opens it.
SEALED_PREFIX = b"cvh1:"
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class KeyRing:
    """Named Fernet keys: the first (current) seals new values, every key still opens old ones.

    Rotation: put a new key first, restart, re-encrypt (`python -m cvihub_runtime.reencrypt`),
    then drop the old key. The ring's text form is `id:key,id:key`, current first."""

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._fernets: dict[str, Fernet] = {}
        for key_id, key in keys:
            if not _KEY_ID.fullmatch(key_id):
                raise ValueError("a key id is 1-32 letters, digits, '-' or '_'")
            if key_id in self._fernets:
                raise ValueError(f"key id {key_id} is in the ring twice")
            try:
                self._fernets[key_id] = Fernet(key.encode())
            except (ValueError, TypeError) as exc:
                # The message names the id, never the key.
                raise ValueError(f"key {key_id} is not a Fernet key") from exc
        self.current_id = keys[0][0]

    @classmethod
    def parse(cls, text: str) -> "KeyRing":
        """A ring from its text form: `id:key,id:key`, the current key first."""
        pairs: list[tuple[str, str]] = []
        for entry in text.split(","):
            key_id, colon, key = entry.strip().partition(":")
            if not colon:
                raise ValueError("a key ring is comma-separated id:key pairs, the current first")
            pairs.append((key_id, key))
        return cls(pairs)

    @property
    def key_ids(self) -> list[str]:
        """The ids of the ring, the current first."""
        return list(self._fernets)

    def seal(self, plaintext: bytes) -> bytes:
        """The plaintext encrypted and authenticated under the current key, with its id."""
        token = self._fernets[self.current_id].encrypt(plaintext)
        return SEALED_PREFIX + self.current_id.encode() + b":" + token

    def open(self, sealed: bytes) -> bytes:
        """The plaintext; ValueError if not sealed, sealed by a key not in the ring, or altered."""
        key_id = key_id_of(sealed)
        if key_id is None:
            raise ValueError("the value is not sealed")
        fernet = self._fernets.get(key_id)
        if fernet is None:
            raise ValueError(f"the value is sealed with key {key_id}, which is not in the ring")
        token = sealed[len(SEALED_PREFIX) + len(key_id) + 1 :]
        try:
            return fernet.decrypt(token)
        except InvalidToken as exc:
            raise ValueError(f"the value does not open with key {key_id}: altered") from exc

    def reseal(self, value: bytes) -> bytes | None:
        """The value sealed under the current key (a plaintext too), or None if it already is."""
        key_id = key_id_of(value)
        if key_id == self.current_id:
            return None
        return self.seal(value if key_id is None else self.open(value))


def key_id_of(value: bytes) -> str | None:
    """The id of the key that sealed this value, or None when it is not a sealed value."""
    if not value.startswith(SEALED_PREFIX):
        return None
    key_id, colon, _ = value[len(SEALED_PREFIX) :].partition(b":")
    text = key_id.decode("ascii", errors="replace")
    return text if colon and _KEY_ID.fullmatch(text) else None


def new_key_ring_text(key_id: str = "k1") -> str:
    """The text form of a fresh ring of one key (for `up`, the tests and operators)."""
    return f"{key_id}:{new_fernet_key()}"


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_fernet_key() -> str:
    """A fresh key for SecretBox."""
    return Fernet.generate_key().decode()
