"""One-time codes and session tokens: randomness, hashing and matching."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from cvihub_registry.people.codes import (
    CODE_TTL,
    MAX_ATTEMPTS,
    code_matches,
    code_refusal,
    email_digest,
    hash_code,
    hash_token,
    is_session_token,
    new_code,
    new_salt,
    new_session_token,
    normalise_email,
)
from cvihub_registry.people.domain import SignInCode

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_codes_are_six_digits_and_vary() -> None:
    codes = {new_code() for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 40


def test_a_code_matches_only_its_own_hash_and_salt() -> None:
    salt = new_salt()
    stored = hash_code("042917", salt)
    assert "042917" not in stored and len(stored) == 64
    assert code_matches("042917", salt, stored)
    assert not code_matches("042918", salt, stored)
    assert not code_matches("042917", new_salt(), stored)
    assert hash_code("042917", new_salt()) != stored


def test_session_tokens_are_random_and_stored_as_sha256() -> None:
    token = new_session_token()
    assert is_session_token(token) and not is_session_token("cvh_0123456789ab_secret")
    assert len(token) >= 4 + 43 and token != new_session_token()
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()


def test_email_digests_ignore_case_and_depend_on_the_key() -> None:
    assert normalise_email("  Ann@Example.ORG ") == "ann@example.org"
    one = email_digest("Ann@Example.org", b"k1")
    assert one == email_digest("ann@example.org", b"k1")
    assert one != email_digest("ann@example.org", b"k2")
    assert "ann" not in one


def _code(**overrides: Any) -> SignInCode:
    values: dict[str, Any] = {
        "code_id": "sic_0",
        "email_digest": "d" * 64,
        "person_id": "psn_0",
        "code_hash": "h" * 64,
        "salt": "s" * 32,
        "created_at": T0,
        "expires_at": T0 + CODE_TTL,
        "attempts": 0,
        "consumed_at": None,
    }
    values.update(overrides)
    return SignInCode(**values)


def test_a_code_lives_ten_minutes_five_attempts_and_once() -> None:
    assert code_refusal(_code(), T0 + timedelta(minutes=9)) is None
    assert code_refusal(_code(), T0 + timedelta(minutes=10)) == "code-expired"
    assert code_refusal(_code(attempts=MAX_ATTEMPTS - 1), T0) is None
    assert code_refusal(_code(attempts=MAX_ATTEMPTS), T0) == "code-used-up"
    assert code_refusal(_code(consumed_at=T0), T0) == "code-used"
    assert code_refusal(_code(person_id=None), T0) == "no-code"
    assert code_refusal(None, T0) == "no-code"
