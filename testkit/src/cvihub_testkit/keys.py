"""Data key rings for tests: every service started in a test run seals with a generated ring."""

import os

from cvihub_runtime.secretbox import KeyRing, new_key_ring_text

SERVICE_ENV_PREFIXES = ("REGISTRY_", "INTAKE_", "REFERRALS_", "NOTIFICATIONS_", "PORTAL_")
# The run's ring, generated once per test process and inherited by the services it starts.
RUN_RING_ENV = "CVIHUB_TEST_DATA_KEYS"


def run_key_ring_text() -> str:
    """The text form of this test run's ring (generated on first use, kept in the environment)."""
    return os.environ.setdefault(RUN_RING_ENV, new_key_ring_text("test1"))


def data_keys_env() -> dict[str, str]:
    """Environment variables giving every service this run's data key ring."""
    ring = run_key_ring_text()
    return {f"{prefix}DATA_KEYS": ring for prefix in SERVICE_ENV_PREFIXES}


def test_key_ring() -> KeyRing:
    """This run's ring, the one the services under test seal with."""
    return KeyRing.parse(run_key_ring_text())


test_key_ring.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test
