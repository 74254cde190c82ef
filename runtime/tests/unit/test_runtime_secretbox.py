"""Secrets that must be read back are encrypted with the hub's key."""

import pytest

from cvihub_registry_copy import hash_api_key
from cvihub_runtime.secretbox import SecretBox, new_fernet_key, new_webhook_secret


def test_round_trip_and_wrong_key() -> None:
    box = SecretBox(new_fernet_key())
    secret = new_webhook_secret()

    sealed = box.encrypt(secret)

    assert secret not in sealed
    assert box.decrypt(sealed) == secret
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox(new_fernet_key()).decrypt(sealed)


def test_bad_key_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="Fernet key"):
        SecretBox("not-a-key")


def test_api_key_hash_is_stable_and_hex() -> None:
    assert hash_api_key("cvh_a_b") == hash_api_key("cvh_a_b")
    assert len(hash_api_key("cvh_a_b")) == 64
    assert hash_api_key("cvh_a_b") != hash_api_key("cvh_a_c")
