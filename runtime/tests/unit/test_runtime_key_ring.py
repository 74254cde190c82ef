"""The data key ring: the current key seals, every key of the ring opens, tampering is caught."""

import pytest
from pydantic import ValidationError

from cvihub_runtime.secretbox import KeyRing, key_id_of, new_fernet_key, new_key_ring_text
from cvihub_runtime.settings import ServiceSettings

PAYLOAD = b'{"patient": {"family_name": "Quintero"}}'
# Fixed, so test ids are the same in every pytest-xdist worker.
A_KEY = "ZG9jcy1kdW1teS1rZXktbm90LWEtc2VjcmV0LTAwMDA="


def test_the_current_key_seals_and_its_id_travels_with_the_ciphertext() -> None:
    ring = KeyRing.parse(f"new:{new_fernet_key()},old:{new_fernet_key()}")

    sealed = ring.seal(PAYLOAD)

    assert b"Quintero" not in sealed
    assert key_id_of(sealed) == "new"
    assert ring.open(sealed) == PAYLOAD
    assert ring.key_ids == ["new", "old"]


def test_an_old_key_still_opens_and_reseal_moves_a_value_to_the_current_key() -> None:
    old_key, new_key = new_fernet_key(), new_fernet_key()
    sealed_before = KeyRing.parse(f"old:{old_key}").seal(PAYLOAD)
    rotated = KeyRing.parse(f"new:{new_key},old:{old_key}")

    assert rotated.open(sealed_before) == PAYLOAD
    resealed = rotated.reseal(sealed_before)
    assert resealed is not None and key_id_of(resealed) == "new"
    assert rotated.reseal(resealed) is None  # already current: nothing to write
    # The old key can go: a ring without it opens the resealed value, not the old one.
    without_old = KeyRing.parse(f"new:{new_key}")
    assert without_old.open(resealed) == PAYLOAD
    with pytest.raises(ValueError, match="key old, which is not in the ring"):
        without_old.open(sealed_before)


def test_a_plaintext_row_is_sealed_by_reseal() -> None:
    ring = KeyRing.parse(new_key_ring_text("k9"))
    resealed = ring.reseal(PAYLOAD)
    assert resealed is not None and key_id_of(resealed) == "k9"
    assert ring.open(resealed) == PAYLOAD


def test_unknown_key_plaintext_and_tampering_are_refused_by_name() -> None:
    ring = KeyRing.parse(new_key_ring_text("k1"))
    other = KeyRing.parse(new_key_ring_text("k2"))

    with pytest.raises(ValueError, match="key k2, which is not in the ring"):
        ring.open(other.seal(PAYLOAD))
    with pytest.raises(ValueError, match="not sealed"):
        ring.open(PAYLOAD)
    sealed = bytearray(ring.seal(PAYLOAD))
    sealed[-5] ^= 1
    with pytest.raises(ValueError, match="altered"):
        ring.open(bytes(sealed))
    forged = b"cvh1:k1:" + other.seal(PAYLOAD).split(b":", 2)[2]  # right id, wrong key
    with pytest.raises(ValueError, match="altered"):
        ring.open(forged)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "id:key pairs"),
        ("justakey", "id:key pairs"),
        ("k1:not-a-key", "key k1 is not a Fernet key"),
        (f"bad id:{A_KEY}", "a key id is"),
        (f"k1:{A_KEY},k1:{A_KEY}", "k1 is in the ring twice"),
    ],
    ids=["empty", "no-id", "bad-key", "bad-id", "twice"],
)
def test_a_bad_ring_is_refused_without_showing_a_key(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KeyRing.parse(text)


def test_settings_require_a_ring_and_never_echo_it() -> None:
    with pytest.raises(ValidationError, match="data_keys") as missing:
        ServiceSettings(_env_prefix="CVIHUB_UNSET_")  # type: ignore[call-arg]
    assert "Field required" in str(missing.value)
    with pytest.raises(ValidationError) as bad:
        ServiceSettings(_env_prefix="CVIHUB_UNSET_", data_keys="k1:secret-looking-value")  # type: ignore[arg-type]
    assert "secret-looking-value" not in str(bad.value)
    ring = new_key_ring_text("live")
    settings = ServiceSettings(_env_prefix="CVIHUB_UNSET_", data_keys=ring)  # type: ignore[arg-type]
    assert settings.key_ring().current_id == "live"
    assert ring.split(":", 1)[1] not in repr(settings)
