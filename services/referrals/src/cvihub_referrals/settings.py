"""Settings of the referrals service (environment prefix REFERRALS_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cvihub_runtime.settings import ServiceSettings


class ReferralsSettings(ServiceSettings):
    """Broker, database and HTTP settings of the referrals service."""

    model_config = SettingsConfigDict(env_prefix="REFERRALS_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/referrals.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://…",
    )
