"""Settings of the intake service, read from INTAKE_* environment variables."""

from pydantic_settings import SettingsConfigDict

from cvihub_runtime.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    """Broker, database and request limits of the intake service."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")
