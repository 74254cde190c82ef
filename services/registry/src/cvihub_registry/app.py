"""Composition root: builds the registry's infrastructure, startup steps and routes."""

import functools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import structlog
from fastapi import FastAPI

from cvihub_registry import (
    admins_api,
    api,
    api_acls,
    api_self,
    consents_api,
    people_api,
    service,
    store,
)
from cvihub_registry.acl_sync import AclInputs, AclSync
from cvihub_registry.handlers import TOPICS, audit_consumer
from cvihub_registry.kafka_acl_admin import KafkaPythonAclAdmin
from cvihub_registry.mail_api import admin_mail_router
from cvihub_registry.mail_relay import smtp_mail_relay
from cvihub_registry.mailer import OutboxMailer
from cvihub_registry.models import outbox
from cvihub_registry.seed import load_seed
from cvihub_registry.service.acls import acl_inputs
from cvihub_registry.service.signin import SignIn
from cvihub_registry.settings import RegistrySettings
from cvihub_registry.signin import email_key
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
    # After a commit: the relay publishes the change, the ACL sync (when on) re-applies grants.
    wakers: list[Callable[[], None]] = [relay.wake]

    def wake_all() -> None:
        for wake in wakers:
            wake()

    core = service.RegistryCore(
        sessions=hosting.sessions,
        box=SecretBox(settings.secret_key.get_secret_value()),
        wake=wake_all,
    )
    if settings.kafka_acls:  # off by default: the embedded broker enforces no ACLs
        acl_sync = _acl_sync(core, settings)
        wakers.append(acl_sync.wake)
        hosting.add_loop(acl_sync.run)
    # Read the seed before anything starts, so a broken file stops the process at once.
    seed = load_seed(settings.seed_file) if settings.seed_file else None

    async def seed_and_snapshot() -> None:
        # Before anything is appended: the head as found is the anchor to compare with.
        await service.announce_head(core=core)
        if seed is not None:
            await service.apply_seed(core=core, seed=seed)
        await service.publish_snapshot(core=core)

    hosting.on_start(seed_and_snapshot)
    # Refusals intake, referrals and notifications decided, appended to the chain once each.
    hosting.subscribe(audit_consumer(sessions=hosting.sessions, broker=hosting.broker), *TOPICS)
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

    async def progress() -> dict[str, int]:
        async with hosting.sessions() as session:
            return {"registry_sequence": await store.newest_published_state(session)}

    install_ops_routes(app, hosting, progress)
    app.include_router(api.admin_router(core, settings.admin_token.get_secret_value()))
    app.include_router(api.partner_router(core))
    admin_token = settings.admin_token.get_secret_value()
    app.include_router(api_self.self_service_router(core, admin_token))
    direct_publish = settings.kafka_acl_direct_publish
    app.include_router(api_acls.acl_admin_router(core, admin_token, direct_publish=direct_publish))
    grace = timedelta(seconds=settings.key_rotation_grace_seconds)
    app.include_router(api_acls.rotation_router(core, admin_token, grace=grace))
    # Without REGISTRY_SMTP_URL no relay runs: mail waits in the outbox for the admin to read.
    mail_relay = smtp_mail_relay(settings, hosting.sessions, core.box)
    if mail_relay is not None:
        hosting.add_loop(mail_relay.run)
    signin = SignIn(
        mailer=OutboxMailer(hosting.sessions, core.box, mail_relay.wake if mail_relay else None),
        email_key=email_key(settings.secret_key.get_secret_value()),
    )
    app.include_router(people_api.auth_router(core, signin))
    app.include_router(people_api.partner_people_router(core))
    app.include_router(people_api.admin_people_router(core, admin_token))
    app.include_router(admin_mail_router(core, admin_token, reveal_bodies=mail_relay is None))
    app.include_router(consents_api.consents_router(core))
    app.include_router(consents_api.admin_consents_router(core, admin_token))
    admin_key_ttl = timedelta(days=settings.admin_key_ttl_days)
    app.include_router(admins_api.administrators_router(core, admin_token, key_ttl=admin_key_ttl))
    app.state.hosting = hosting
    return app


def _acl_sync(core: service.RegistryCore, settings: RegistrySettings) -> AclSync:
    async def load() -> AclInputs:
        return await acl_inputs(core=core, direct_publish=settings.kafka_acl_direct_publish)

    return AclSync(
        admin=KafkaPythonAclAdmin(settings.kafka_bootstrap_servers),
        load=load,
        interval=settings.kafka_acl_sync_seconds,
    )
