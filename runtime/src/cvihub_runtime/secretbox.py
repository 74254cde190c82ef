"""Encryption of secrets that must be read back (webhook signing secrets) and of personal data
at rest, with Fernet."""

import base64
import secrets
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBox:
    """Encrypts and decrypts with the hub's key (a urlsafe base64 32-byte Fernet key)."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise ValueError("the secret key must be a Fernet key (Fernet.generate_key())") from exc

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext as text."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Plaintext; raises ValueError when the ciphertext was not made with this key."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with this key") from exc


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_fernet_key() -> str:
    """A fresh key for SecretBox."""
    return Fernet.generate_key().decode()


class KeyRing:
    """Authenticated encryption at rest with key rotation: Fernet (AES-128-CBC with
    HMAC-SHA256) under the first key; every key of the ring still decrypts, so rows written
    under an old key read until they are re-encrypted (`rotate`)."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        try:
            self._fernets = [Fernet(key.encode()) for key in keys]
        except (ValueError, TypeError) as exc:
            raise ValueError("every key must be a Fernet key (Fernet.generate_key())") from exc
        self._current = self._fernets[0]
        self._ring = MultiFernet(self._fernets)

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext under the current key, as text."""
        return self._current.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Plaintext; ValueError when no key of the ring made it, or it was altered."""
        try:
            return self._ring.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("ciphertext cannot be decrypted with any key of the ring") from exc

    def is_current(self, ciphertext: str) -> bool:
        """Whether the ciphertext was made under the current key."""
        try:
            self._current.decrypt(ciphertext.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, ciphertext: str) -> str:
        """The same plaintext under the current key; ValueError when no key decrypts it."""
        try:
            return self._ring.rotate(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("ciphertext cannot be decrypted with any key of the ring") from exc
