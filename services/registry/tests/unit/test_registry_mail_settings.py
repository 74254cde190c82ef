"""The registry's SMTP settings and the relay's back-off."""

from datetime import timedelta

import pytest
from pydantic import ValidationError
from registry_builders import ADMIN_TOKEN, SECRET_KEY

from cvihub_registry.mail.relay import retry_delay
from cvihub_registry.settings import RegistrySettings


def _settings(**values: object) -> RegistrySettings:
    return RegistrySettings(admin_token=ADMIN_TOKEN, secret_key=SECRET_KEY, **values)  # type: ignore[arg-type]


def test_without_an_smtp_url_mail_stays_in_the_outbox() -> None:
    assert _settings().smtp() is None
    assert _settings(smtp_url="", mail_from="").smtp() is None


def test_smtp_settings_come_from_registry_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("REGISTRY_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("REGISTRY_SMTP_URL", "smtps://hub:pw-not-shown@mail.example.org")
    monkeypatch.setenv("REGISTRY_MAIL_FROM", "CVI hub <hub@example.org>")
    settings = RegistrySettings()  # type: ignore[call-arg]
    config = settings.smtp()
    assert config is not None and (config.host, config.port) == ("mail.example.org", 465)
    assert settings.mail_from == "CVI hub <hub@example.org>"
    assert "pw-not-shown" not in repr(settings)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"smtp_url": "smtp://mail.example.org"}, "REGISTRY_MAIL_FROM is required"),
        ({"smtp_url": "mail.example.org", "mail_from": "hub@example.org"}, "smtp://"),
        ({"mail_from": "not an address"}, "e-mail address"),
        ({"smtp_max_attempts": 0}, "greater than or equal to 1"),
    ],
)
def test_bad_smtp_settings_stop_the_registry(values: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        _settings(**values)


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    base = timedelta(seconds=5)
    delays = [retry_delay(n, base).total_seconds() for n in range(1, 9)]
    assert delays == [5, 10, 20, 40, 80, 160, 300, 300]
