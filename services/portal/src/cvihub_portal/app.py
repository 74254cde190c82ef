"""Composition root of the portal: the only place that builds infrastructure."""

import asyncio
import hashlib
from pathlib import Path

from fastapi import FastAPI, Response
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from cvihub_portal import handlers
from cvihub_portal.admin_api import admin_router
from cvihub_portal.api import alerts_router, auth_router, install_portal_errors
from cvihub_portal.board_api import board_router
from cvihub_portal.clients import HubClients
from cvihub_portal.hub_admin_api import hub_admin_router
from cvihub_portal.models import inbox
from cvihub_portal.referrals_api import referrals_router
from cvihub_portal.service import PortalCore
from cvihub_portal.settings import PortalSettings
from cvihub_runtime.hosting import Hosting
from cvihub_runtime.inbox import EventConsumer
from cvihub_runtime.openapi import install_http_surface
from cvihub_runtime.problems import install_problem_handlers
from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.web import install_ops_routes

NAME = "portal"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
STATIC_DIR = Path(__file__).parent / "static"
SHELL_CACHE_PLACEHOLDER = '"cvihub-shell-v1"'


def service_worker_script() -> str:
    """sw.js with its shell cache named after the app's files: a phone that installed an earlier
    release gets a new service worker (its script bytes changed), which fills a fresh cache and
    drops the old one, instead of serving the old app shell from its cache for ever."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(STATIC_DIR)).encode() + b"\0" + path.read_bytes())
    script = (STATIC_DIR / "sw.js").read_text()
    return script.replace(SHELL_CACHE_PLACEHOLDER, f'"cvihub-shell-{digest.hexdigest()[:16]}"')


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    """The portal: its API for the web app, the app itself, and its read models."""
    settings = settings or PortalSettings()
    hosting = Hosting(name=NAME, settings=settings, migrations_dir=MIGRATIONS_DIR)
    clients = HubClients(
        registry=settings.registry_url,
        intake=settings.intake_url,
        referrals=settings.referrals_url,
        notifications=settings.notifications_url,
        admin_token=settings.registry_admin_token.get_secret_value(),
        timeout=settings.upstream_timeout_seconds,
    )
    core = PortalCore(
        sessions=hosting.sessions,
        clients=clients,
        box=SecretBox(settings.secret_key.get_secret_value()),
        session_check_seconds=settings.session_check_seconds,
    )

    async def close_clients() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await clients.close()

    hosting.add_loop(close_clients)
    consumer = EventConsumer(
        name=NAME,
        sessions=hosting.sessions,
        inbox=inbox,
        broker=hosting.broker,
        handlers=handlers.event_handlers(),
    )
    hosting.subscribe(consumer, *handlers.TOPICS)

    app = FastAPI(
        title="CVI hub portal",
        description="The web app for people: alerts, referrals, the community board, the "
        "directory and the dashboard, on a phone with poor signal.",
        version="1.0.0",
        lifespan=hosting.lifespan,
    )
    install_problem_handlers(app)
    install_portal_errors(app)
    install_ops_routes(app, hosting)
    app.include_router(auth_router(core, cookie_secure=settings.cookie_secure))
    app.include_router(alerts_router(core, poll_seconds=settings.stream_poll_seconds))
    app.include_router(referrals_router(core))
    app.include_router(board_router(core))
    app.include_router(admin_router(core))
    app.include_router(hub_admin_router(core, cookie_secure=settings.cookie_secure))
    install_http_surface(app, max_body_bytes=settings.max_body_bytes)
    # Compressed answers (the app shell, lists); Starlette leaves text/event-stream alone.
    app.add_middleware(GZipMiddleware, minimum_size=500)
    worker_script = service_worker_script()

    @app.get("/sw.js", include_in_schema=False)
    async def service_worker() -> Response:
        # Checked on every visit, so a release reaches phones on their next open.
        return Response(
            worker_script,
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="app")
    app.state.hosting = hosting
    app.state.core = core
    return app
