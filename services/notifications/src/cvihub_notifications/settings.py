"""Settings of the notifications service (env prefix NOTIFICATIONS_)."""

from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from cvihub_notifications.channels.sms_gateway import SmsGateway, check_sms_url, gateway_from_url
from cvihub_runtime.mail import SmtpConfig, SmtpSender, check_sender
from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.settings import ServiceSettings

SVIX_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
"""Retry delays after the first attempt (which is immediate): Svix's schedule."""


class NotificationsSettings(ServiceSettings):
    """Broker, database, webhook signing, retry, e-mail and SMS settings."""

    # Errors name the setting, never its value: the SMTP and SMS URLs hold credentials.
    model_config = SettingsConfigDict(
        env_prefix="NOTIFICATIONS_", extra="ignore", hide_input_in_errors=True
    )

    secret_key: str = Field(
        description="The hub's Fernet key: decrypts webhook secrets, encrypts stored bodies."
    )
    retry_schedule_seconds: tuple[float, ...] = Field(
        default=SVIX_SCHEDULE,
        min_length=0,
        description="Delay before each retry after the first, immediate attempt (as Svix: 5 s, "
        "5 min, 30 min, 2 h, 5 h, 10 h, 10 h); a delivery fails for good (a dead letter) when "
        "the last retry fails. JSON list in the environment, e.g. [5, 300].",
    )
    retry_jitter: float = Field(
        default=0.1, ge=0, lt=1, description="Each delay varies by up to this share (+/-)."
    )
    retry_time_scale: float = Field(
        default=1.0,
        gt=0,
        description="Multiplies every scheduled delay (not a receiver's Retry-After): below 1 "
        "only to compress the schedule in tests and demos.",
    )
    disable_after_failing_seconds: float = Field(
        default=5 * 86400.0,
        gt=0,
        description="An endpoint whose attempts have all failed for this long (as Svix: 5 days) "
        "is disabled until its partner re-enables it; multiplied by retry_time_scale.",
    )
    retry_after_max_seconds: float = Field(
        default=36000.0, gt=0, description="The longest Retry-After honoured (longer is cut)."
    )
    http_timeout_seconds: float = Field(
        default=10.0, gt=0, description="An attempt succeeds only with a 2xx within this time."
    )
    max_concurrent_deliveries: int = Field(default=16, ge=1, description="Requests in flight.")
    endpoint_max_concurrent: int = Field(
        default=4,
        ge=1,
        description="Requests in flight to one endpoint: a slow one never takes every slot.",
    )
    breaker_failures: int = Field(
        default=5,
        ge=1,
        description="Failures in a row that open an endpoint's circuit breaker (its deliveries "
        "wait while it is open).",
    )
    breaker_cooldown_seconds: float = Field(
        default=30.0, gt=0, description="How long an open breaker waits before one trial attempt."
    )
    webhook_allow_insecure_loopback: bool = Field(
        default=False,
        description="Allow webhooks over plain http:// and to loopback addresses: for local "
        "development and tests only (the embedded demo stack sets it). Off, every webhook "
        "goes over HTTPS to a public address, checked at each delivery.",
    )
    secret_rotation_grace_seconds: float = Field(
        default=86400.0,
        ge=0,
        description="After an endpoint's secret changes, how long deliveries are also signed "
        "with the previous one (Standard Webhooks: several v1, signatures).",
    )
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

    hub_admin_email: str | None = Field(
        default=None,
        max_length=254,
        description="The hub admin's address: every operational notice (an endpoint disabled, "
        "a delivery given up) is mailed there too, as to the partner's contact address.",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token of GET /v1/admin/notices (every partner's notices); unset "
        "refuses all.",
    )

    @field_validator("hub_admin_email")
    @classmethod
    def _hub_admin_email(cls, value: str | None) -> str | None:
        return check_sender(value) if value and value.strip() else None

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
