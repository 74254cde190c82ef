"""API keys: format, randomness, hashing, parsing."""

import re

import pytest

from cvihub_registry.keys.tokens import credential_id_of, generate_key, key_from_text, key_matches
from cvihub_registry_copy import hash_api_key


def test_generated_key_has_the_hub_format_and_its_own_hash() -> None:
    key = generate_key()
    assert re.fullmatch(r"[0-9a-f]{12}", key.credential_id)
    assert key.api_key.startswith(f"cvh_{key.credential_id}_")
    secret = key.api_key.removeprefix(f"cvh_{key.credential_id}_")
    assert re.fullmatch(r"[A-Za-z0-9_\-]{43}", secret)
    assert key.key_sha256 == hash_api_key(key.api_key)
    assert re.fullmatch(r"[0-9a-f]{64}", key.key_sha256)


def test_generated_keys_differ() -> None:
    keys = [generate_key() for _ in range(50)]
    assert len({k.api_key for k in keys}) == 50
    assert len({k.credential_id for k in keys}) == 50


def test_credential_id_is_read_from_the_key_even_if_the_secret_has_underscores() -> None:
    assert credential_id_of("cvh_0123456789ab_abc_def-ghi_jkl_mno") == "0123456789ab"
    assert credential_id_of(generate_key().api_key) is not None


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "cvh_",
        "0123456789ab_abcdefghijklmnopqrstuvwxyz",  # no prefix
        "cvh_0123456789ab_short",  # secret too short
        "cvh_ABCDEF012345_abcdefghijklmnopqrstuvwxyz",  # upper-case id
        "cvh_0123456789ab_abcdefghijklmnop qrstuvwxyz",  # space
        "Bearer cvh_0123456789ab_abcdefghijklmnopqrstuvwxyz",
    ],
)
def test_malformed_keys_are_refused(bad: str) -> None:
    assert credential_id_of(bad) is None
    with pytest.raises(ValueError, match="cvh_"):
        key_from_text(bad)


def test_seeded_key_keeps_its_credential_id() -> None:
    key = key_from_text("cvh_de0000000001_demo-mercy-hospital-key-not-for-production")
    assert key.credential_id == "de0000000001"
    assert key.key_sha256 == hash_api_key(key.api_key)


def test_key_matches_only_its_own_hash() -> None:
    key = generate_key()
    assert key_matches(key.api_key, key.key_sha256)
    assert not key_matches(key.api_key + "x", key.key_sha256)
    assert not key_matches(generate_key().api_key, key.key_sha256)
