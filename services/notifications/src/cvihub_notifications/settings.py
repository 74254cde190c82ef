"""Settings of the notifications service (env prefix NOTIFICATIONS_)."""

from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from cvihub_notifications.channels.sms_gateway import SmsGateway, check_sms_url, gateway_from_url
from cvihub_runtime.mail import SmtpConfig, SmtpSender, check_sender
from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Broker, database, webhook signing, retry, e-mail and SMS settings."""

    # Errors name the setting, never its value: the SMTP and SMS URLs hold credentials.
    model_config = SettingsConfigDict(
        env_prefix="NOTIFICATIONS_", extra="ignore", hide_input_in_errors=True
    )

    secret_key: str = Field(
        description="The hub's Fernet key: decrypts webhook secrets, encrypts stored bodies."
    )
    retry_base_seconds: float = Field(default=1.0, gt=0, description="First retry delay.")
    retry_max_seconds: float = Field(default=3600.0, gt=0, description="Longest retry delay.")
    max_attempts: int = Field(default=10, ge=1, description="Attempts before a delivery fails.")
    http_timeout_seconds: float = Field(default=10.0, gt=0, description="Per-request timeout.")
    max_concurrent_deliveries: int = Field(default=16, ge=1, description="Requests in flight.")
    poll_seconds: float = Field(
        default=0.5, gt=0, description="How often the worker looks for due retries unwoken."
    )

    smtp_url: SecretStr | None = Field(
        default=None,
        description="SMTP relay of e-mail subscriptions' notices: smtp://user:pass@host:587 "
        "(STARTTLS) or smtps://user:pass@host:465 (TLS); ?starttls=false&timeout=30. Unset: "
        "e-mail deliveries stay pending (and /health says so) until it is set.",
    )
    mail_from: str | None = Field(
        default=None, description="From address of the notices, e.g. hub@example.org."
    )
    sms_url: SecretStr | None = Field(
        default=None,
        description="SMS gateway of sms subscriptions' notices, speaking Twilio's Messages "
        "API: twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B15551230000 (https; "
        "&insecure_http=true only to 127.0.0.1 or localhost). Unset: SMS deliveries stay "
        "pending (and /health says so) until it is set.",
    )
    public_url: str | None = Field(
        default=None,
        max_length=200,
        description="This API as partners reach it, e.g. https://hub.example.org: SMS notices "
        "link to its /v1/inbox. Unset: they name GET /v1/inbox without a link.",
    )

    @field_validator("secret_key")
    @classmethod
    def _fernet_key(cls, value: str) -> str:
        SecretBox(value)  # fail at start-up, not at the first delivery
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None  # NOTIFICATIONS_SMTP_URL= (empty) means no relay, as when unset
        if value is not None:
            SmtpConfig.from_url(value.get_secret_value())
        return value

    @field_validator("sms_url")
    @classmethod
    def _sms_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None  # NOTIFICATIONS_SMS_URL= (empty) means no gateway, as when unset
        if value is not None:
            check_sms_url(value.get_secret_value())  # its errors never quote the URL
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if (
            parts.scheme not in ("https", "http")
            or not parts.hostname
            or parts.query
            or parts.fragment
            or not value.isascii()
            or any(c.isspace() for c in value)
        ):
            raise ValueError("give the http(s) origin (and path) partners reach this API at")
        return value.rstrip("/")

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str | None) -> str | None:
        return check_sender(value) if value else None

    @model_validator(mode="after")
    def _sender_with_relay(self) -> Self:
        if self.smtp_url is not None and self.mail_from is None:
            raise ValueError(
                "NOTIFICATIONS_MAIL_FROM is required when NOTIFICATIONS_SMTP_URL is set"
            )
        return self

    def sms_gateway(self) -> SmsGateway | None:
        """The sender of SMS notices, or None when no gateway is configured."""
        if self.sms_url is None:
            return None
        return gateway_from_url(self.sms_url.get_secret_value(), timeout=self.http_timeout_seconds)

    def mailer(self) -> SmtpSender | None:
        """The sender of e-mail notices, or None when SMTP is not configured."""
        if self.smtp_url is None or self.mail_from is None:
            return None
        return SmtpSender(SmtpConfig.from_url(self.smtp_url.get_secret_value()), self.mail_from)
