"""Settings refuse a weak admin token and a key that is not a Fernet key."""

import pytest
from pydantic import ValidationError
from registry_builders import ADMIN_TOKEN, SECRET_KEY

from cvihub_registry.settings import RegistrySettings
from cvihub_registry.subscriptions.webhooks import check_webhook_secret, webhook_secret


def test_valid_settings_keep_secrets_hidden() -> None:
    settings = RegistrySettings(admin_token=ADMIN_TOKEN, secret_key=SECRET_KEY)
    assert settings.admin_token.get_secret_value() == ADMIN_TOKEN
    assert ADMIN_TOKEN not in repr(settings) and SECRET_KEY not in repr(settings)


def test_settings_come_from_registry_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("REGISTRY_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("REGISTRY_SEED_FILE", "/tmp/seed.yaml")
    settings = RegistrySettings()  # type: ignore[call-arg]
    assert str(settings.seed_file) == "/tmp/seed.yaml"


@pytest.mark.parametrize(
    ("token", "key", "field"),
    [
        ("short-token", SECRET_KEY, "admin_token"),
        (ADMIN_TOKEN, "not-a-fernet-key", "secret_key"),
    ],
    # Ids without the generated key, so every pytest-xdist worker collects the same tests.
    ids=["short-admin-token", "bad-secret-key"],
)
def test_bad_settings_are_refused(token: str, key: str, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        RegistrySettings(admin_token=token, secret_key=key)
    assert [e["loc"][0] for e in raised.value.errors()] == [field]


def test_webhook_secrets_are_checked_or_generated() -> None:
    generated = webhook_secret(None)
    check_webhook_secret(generated)
    assert generated != webhook_secret(None)
    for bad in ("plain", "whsec_not base64!", "whsec_c2hvcnQ="):
        with pytest.raises(ValueError, match="webhook secret"):
            check_webhook_secret(bad)
