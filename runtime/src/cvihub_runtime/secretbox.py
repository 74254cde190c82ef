"""Encryption of secrets that must be read back (webhook signing secrets), with Fernet."""

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken


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
