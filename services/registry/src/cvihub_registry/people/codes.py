"""One-time codes and session tokens: how they are made and hashed (pure, no I/O)."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from cvihub_registry.people.domain import SignInCode

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SESSION_TTL = timedelta(days=90)
RATE_WINDOW = timedelta(hours=1)
MAX_CODES_PER_WINDOW = 5
SESSION_TOKEN_PREFIX = "cvs_"  # noqa: S105 - a public prefix, not a secret

# scrypt cost: 16 MiB and tens of milliseconds per hash, so a leaked table of 6-digit codes
# cannot be brute-forced within the codes' ten-minute life.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1


def new_code() -> str:
    """A uniformly random 6-digit code (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_salt() -> str:
    """16 random bytes as hex: the salt of one code's hash."""
    return secrets.token_hex(16)


def hash_code(code: str, salt: str) -> str:
    """scrypt (memory-hard) of the code with its salt, as hex."""
    digest = hashlib.scrypt(
        code.encode(), salt=bytes.fromhex(salt), n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return digest.hex()


def code_matches(code: str, salt: str, code_hash: str) -> bool:
    """Whether the code hashes to the stored hash, compared in constant time."""
    return hmac.compare_digest(hash_code(code, salt), code_hash)


def normalise_email(email: str) -> str:
    """The one spelling of an email the registry stores and looks up."""
    return email.strip().lower()


def email_digest(email: str, key: bytes) -> str:
    """HMAC-SHA256 of the normalised email: rate limits and audit without storing the email."""
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def email_key(secret_key: str) -> bytes:
    """The key of email digests, derived from the hub's secret key."""
    return hmac.new(secret_key.encode(), b"cvihub-registry/email-digest", hashlib.sha256).digest()


def new_session_token() -> str:
    """A device session token: a prefix (tells it from an API key) and 32 random bytes."""
    return SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 (hex) of a session token: enough for 256 random bits, no salt needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_session_token(token: str) -> bool:
    """Whether a bearer token is a session token rather than an API key."""
    return token.startswith(SESSION_TOKEN_PREFIX)


def new_person_id() -> str:
    """A person id: a prefix that no partner id can have, and 16 random hex chars."""
    return "psn_" + secrets.token_hex(8)


def new_session_id() -> str:
    """A device session id."""
    return "dvs_" + secrets.token_hex(8)


def new_code_id() -> str:
    """A sign-in code id."""
    return "sic_" + secrets.token_hex(8)


def code_refusal(code: SignInCode | None, now: datetime) -> str | None:
    """Why this code request cannot be used now (before checking the code), or None."""
    if code is None or code.person_id is None:
        return "no-code"
    if code.consumed_at is not None:
        return "code-used"
    if code.expires_at <= now:
        return "code-expired"
    if code.attempts >= MAX_ATTEMPTS:
        return "code-used-up"
    return None
