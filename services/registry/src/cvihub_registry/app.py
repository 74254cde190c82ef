"""Composition root: builds the registry's infrastructure, startup steps and routes."""

import functools
from pathlib import Path

import structlog
from fastapi import FastAPI

from cvihub_registry import api, service
from cvihub_registry.models import outbox
from cvihub_registry.seed import load_seed
from cvihub_registry.settings import RegistrySettings
from cvihub_runtime.hosting import Hosting
from cvihub_runtime.kafka import publish_records
from cvihub_runtime.outbox import OutboxRelay
from cvihub_runtime.problems import install_problem_handlers
from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.web import install_ops_routes

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

log = structlog.get_logger(__name__)


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    """The registry's FastAPI app; its lifespan migrates, seeds, snapshots and relays."""
    settings = settings or RegistrySettings()  # required fields come from REGISTRY_* env
    hosting = Hosting(name="registry", settings=settings, migrations_dir=MIGRATIONS_DIR)
    relay = OutboxRelay(
        hosting.sessions, outbox, functools.partial(publish_records, hosting.broker)
    )
    core = service.RegistryCore(
        sessions=hosting.sessions,
        box=SecretBox(settings.secret_key.get_secret_value()),
        wake=relay.wake,
    )
    # Read the seed before anything starts, so a broken file stops the process at once.
    seed = load_seed(settings.seed_file) if settings.seed_file else None

    async def seed_and_snapshot() -> None:
        # Before anything is appended: the head as found is the anchor to compare with.
        await service.announce_head(core=core)
        if seed is not None:
            await service.apply_seed(core=core, seed=seed)
        await service.publish_snapshot(core=core)

    hosting.on_start(seed_and_snapshot)
    hosting.add_loop(relay.run)

    app = FastAPI(
        title="CVI hub registry",
        version="1.0.0",
        description=(
            "Source of truth for partners, API keys, grants and webhook subscriptions. "
            "Every change is published on the registry stream so the other services keep a copy."
        ),
        lifespan=hosting.lifespan,
    )
    install_problem_handlers(app)
    api.install_registry_errors(app)
    install_ops_routes(app, hosting)
    app.include_router(api.admin_router(core, settings.admin_token.get_secret_value()))
    app.include_router(api.partner_router(core))
    app.state.hosting = hosting
    return app
