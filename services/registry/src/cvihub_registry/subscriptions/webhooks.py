"""Standard Webhooks signing secrets: `whsec_` and base64 of 24 to 64 random bytes."""

import base64
import binascii

from cvihub_runtime.secretbox import new_webhook_secret

WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret


def check_webhook_secret(secret: str) -> None:
    """Raise ValueError unless the secret is one a Standard Webhooks signer accepts."""
    if not secret.startswith(WEBHOOK_SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        raw = base64.b64decode(secret[len(WEBHOOK_SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc
    if not 24 <= len(raw) <= 64:
        raise ValueError("a webhook secret encodes 24 to 64 bytes")


def webhook_secret(given: str | None) -> str:
    """The caller's secret when given (checked), else a fresh one."""
    if given is None:
        return new_webhook_secret()
    check_webhook_secret(given)
    return given
