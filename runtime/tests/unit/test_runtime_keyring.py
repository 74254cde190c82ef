"""Data at rest under a key ring: the current key encrypts, old keys still decrypt, rotation."""

import pytest

from cvihub_runtime.secretbox import KeyRing, new_fernet_key


def test_old_keys_still_read_and_rotation_moves_to_the_current_key() -> None:
    old, new = new_fernet_key(), new_fernet_key()
    sealed_under_old = KeyRing([old]).encrypt("Jamal Example, 1999-04-02")
    ring = KeyRing([new, old])

    assert "Jamal" not in sealed_under_old
    assert ring.decrypt(sealed_under_old) == "Jamal Example, 1999-04-02"
    assert not ring.is_current(sealed_under_old)
    rotated = ring.rotate(sealed_under_old)
    assert ring.is_current(rotated) and rotated != sealed_under_old
    assert KeyRing([new]).decrypt(rotated) == "Jamal Example, 1999-04-02"
    assert ring.is_current(ring.encrypt("x"))


def test_an_unknown_key_or_an_altered_token_is_refused() -> None:
    ring = KeyRing([new_fernet_key()])
    sealed = ring.encrypt("secret")
    with pytest.raises(ValueError, match="any key of the ring"):
        KeyRing([new_fernet_key()]).decrypt(sealed)
    altered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(ValueError, match="any key of the ring"):
        ring.decrypt(altered)
    with pytest.raises(ValueError, match="Fernet key"):
        KeyRing(["not-a-key"])
    with pytest.raises(ValueError, match="at least one key"):
        KeyRing([])
