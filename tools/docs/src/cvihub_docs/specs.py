"""Each service's OpenAPI and AsyncAPI documents, from its app built (never started) in code."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from faststream.specification import AsyncAPI

from cvihub_intake.app import create_app as create_intake
from cvihub_intake.settings import IntakeSettings
from cvihub_notifications.app import create_app as create_notifications
from cvihub_notifications.settings import NotificationsSettings
from cvihub_portal.app import create_app as create_portal
from cvihub_portal.settings import PortalSettings
from cvihub_referrals.app import create_app as create_referrals
from cvihub_referrals.settings import ReferralsSettings
from cvihub_registry.app import create_app as create_registry
from cvihub_registry.settings import RegistrySettings
from cvihub_runtime.hosting import Hosting

# Dummies, fixed so the documents are the same on every run: the apps are built, never run.
DUMMY_FERNET_KEY = "ZG9jcy1kdW1teS1rZXktbm90LWEtc2VjcmV0LTAwMDA="
DUMMY_DATA_KEYS = f"docs:{DUMMY_FERNET_KEY}"
DUMMY_ADMIN_TOKEN = "docs-dummy-admin-token"  # noqa: S105
# An in-memory database: building an app must not create files.
DATABASE_URL = "sqlite+aiosqlite:///:memory:"
# Settings read nothing from the environment: a developer's INTAKE_* must not change the docs.
IGNORED_ENV_PREFIX = "CVIHUB_DOCS_IGNORED_"


def _registry() -> FastAPI:
    return create_registry(
        RegistrySettings(
            _env_prefix=IGNORED_ENV_PREFIX,
            database_url=DATABASE_URL,
            data_keys=DUMMY_DATA_KEYS,
            admin_token=DUMMY_ADMIN_TOKEN,
            secret_key=DUMMY_FERNET_KEY,
        )
    )


def _intake() -> FastAPI:
    return create_intake(
        IntakeSettings(
            _env_prefix=IGNORED_ENV_PREFIX, database_url=DATABASE_URL, data_keys=DUMMY_DATA_KEYS
        )
    )


def _referrals() -> FastAPI:
    return create_referrals(
        ReferralsSettings(
            _env_prefix=IGNORED_ENV_PREFIX, database_url=DATABASE_URL, data_keys=DUMMY_DATA_KEYS
        )
    )


def _notifications() -> FastAPI:
    return create_notifications(
        NotificationsSettings(
            _env_prefix=IGNORED_ENV_PREFIX,
            database_url=DATABASE_URL,
            data_keys=DUMMY_DATA_KEYS,
            secret_key=DUMMY_FERNET_KEY,
        )
    )


def _portal() -> FastAPI:
    return create_portal(
        PortalSettings(
            _env_prefix=IGNORED_ENV_PREFIX,
            database_url=DATABASE_URL,
            secret_key=DUMMY_FERNET_KEY,
            data_keys=DUMMY_DATA_KEYS,
            registry_admin_token=DUMMY_ADMIN_TOKEN,
        )
    )


SERVICES: dict[str, Callable[[], FastAPI]] = {
    "registry": _registry,
    "intake": _intake,
    "referrals": _referrals,
    "notifications": _notifications,
    "portal": _portal,
}


@dataclass(frozen=True)
class ServiceSpecs:
    """One service's generated API documents."""

    name: str
    openapi: dict[str, Any]
    asyncapi: dict[str, Any]

    def subscribed_topics(self) -> set[str]:
        """The Kafka topics this service's broker subscribes to."""
        return {channel["address"] for channel in self.asyncapi.get("channels", {}).values()}


def asyncapi_of(app: FastAPI) -> dict[str, Any]:
    """The AsyncAPI 3.0 document FastStream generates for the app's broker."""
    hosting = getattr(app.state, "hosting", None)
    if not isinstance(hosting, Hosting):
        raise RuntimeError(f"{app.title}: create_app must set app.state.hosting")
    spec = AsyncAPI(
        hosting.broker,
        title=app.title,
        version=app.version,
        description=(
            "Kafka subscribers of this service. Records are CloudEvents in Kafka binary mode; "
            "payloads, and what each service publishes through its outbox, are in "
            "docs/catalog.md."
        ),
        schema_version="3.0.0",
    )
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    return document


def service_specs() -> list[ServiceSpecs]:
    """The OpenAPI and AsyncAPI documents of every service, in a fixed order."""
    specs = []
    for name, build in SERVICES.items():
        app = build()
        specs.append(ServiceSpecs(name=name, openapi=app.openapi(), asyncapi=asyncapi_of(app)))
    return specs
