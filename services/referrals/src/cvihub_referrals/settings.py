"""Settings of the referrals service (environment prefix REFERRALS_)."""

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from cvihub_contracts.codes import CviService
from cvihub_contracts.referral.submitted_v1 import Urgency
from cvihub_referrals.service_levels import DEFAULT_SERVICE_LEVELS, ServiceLevel
from cvihub_runtime.settings import ServiceSettings


class ReferralsSettings(ServiceSettings):
    """Broker, database, HTTP and encryption settings of the referrals service."""

    # Errors name the setting, never its value: the keys are secrets.
    model_config = SettingsConfigDict(
        env_prefix="REFERRALS_", extra="ignore", hide_input_in_errors=True
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/referrals.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://…",
    )
    max_clock_skew_seconds: float = Field(
        default=300.0,
        ge=0,
        le=3600,
        description="How far in the future a time at which something happened (a contact "
        "attempt, a consent, an injury) may lie, for clocks that disagree.",
    )

    service_levels: dict[str, ServiceLevel] = Field(
        default_factory=lambda: dict(DEFAULT_SERVICE_LEVELS),
        description="Deadlines per urgency (emergent, urgent, routine) or urgency:service "
        '(e.g. "emergent:hospital-response"), as JSON: {"routine": {"accept": "2bd", '
        '"first_contact": "24h", "escalate": "1bd"}}. Durations: 30m, 4h, 1d, 2bd (business '
        "days). An urgency left out has no deadline.",
    )
    timer_poll_seconds: float = Field(
        default=5.0, gt=0, le=300, description="How often the timer worker looks for due timers."
    )
    timer_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="How long a replica holds a claimed timer before another may take it over.",
    )

    @field_validator("service_levels")
    @classmethod
    def _service_level_keys(cls, value: dict[str, ServiceLevel]) -> dict[str, ServiceLevel]:
        urgencies, services = {u.value for u in Urgency}, {s.value for s in CviService}
        for key in value:
            urgency, _, service = key.partition(":")
            if urgency not in urgencies or (service and service not in services):
                raise ValueError(f"service level {key!r}: urgency[:CVI service code] expected")
        return value
