"""The services under schemathesis, in process: the registry (seeded from seed.yaml) and the
service under test, on one embedded broker, each on a database of its own."""

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from cvihub_intake.app import create_app as create_intake
from cvihub_intake.settings import IntakeSettings
from cvihub_notifications.app import create_app as create_notifications
from cvihub_notifications.settings import NotificationsSettings
from cvihub_referrals.app import create_app as create_referrals
from cvihub_referrals.settings import ReferralsSettings
from cvihub_registry.app import create_app as create_registry
from cvihub_registry.settings import RegistrySettings
from cvihub_runtime.secretbox import new_fernet_key
from cvihub_testkit import TestDatabase, eventually, running

SEED = Path(__file__).parent / "seed.yaml"
ADMIN_TOKEN = "fuzz-admin-token-0123456789abcdef"
HOSPITAL_KEY = "cvh_fz0000000001_fuzz-hospital-test-key"
OUTREACH_KEY = "cvh_fz0000000002_fuzz-outreach-test-key"


@dataclass(frozen=True)
class Served:
    """A running app and an in-process client for it."""

    app: FastAPI
    client: httpx.AsyncClient


def _build(service: str, kafka: str, db: TestDatabase) -> FastAPI:
    common = {
        "kafka_bootstrap_servers": kafka,
        "database_url": db.url,
        "database_schema": db.schema,
        "log_json": False,
        "log_level": "WARNING",
    }
    if service == "registry":
        return create_registry(
            RegistrySettings(
                **common, admin_token=ADMIN_TOKEN, secret_key=new_fernet_key(), seed_file=SEED
            )
        )
    if service == "intake":
        return create_intake(IntakeSettings(**common))
    if service == "referrals":
        return create_referrals(ReferralsSettings(**common))
    return create_notifications(NotificationsSettings(**common, secret_key=new_fernet_key()))


async def _progress(client: httpx.AsyncClient) -> dict[str, int]:
    body = (await client.get("/health")).json()
    return {str(k): int(v) for k, v in body.get("progress", {}).items()}


@asynccontextmanager
async def serving(
    service: str, kafka: str, make_database: Callable[[str], TestDatabase]
) -> AsyncIterator[Served]:
    """The service running beside a seeded registry, its registry copy caught up."""
    async with AsyncExitStack() as stack:
        names = ["registry"] if service == "registry" else ["registry", service]
        served: dict[str, Served] = {}
        for name in names:
            app = _build(name, kafka, make_database(name))
            await stack.enter_async_context(running(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test"
            )
            await stack.enter_async_context(client)
            served[name] = Served(app=app, client=client)
        if service != "registry":
            target = (await _progress(served["registry"].client))["registry_sequence"]
            copy = served[service].client

            async def caught_up() -> bool:
                return (await _progress(copy)).get("registry_copy_sequence", -1) >= target

            await eventually(caught_up, timeout=30)
        yield served[service]
