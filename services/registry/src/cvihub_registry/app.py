"""Composition root: builds the registry's infrastructure, startup steps and routes."""

import functools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from cvihub_registry import store
from cvihub_registry.acls import api as acls_api
from cvihub_registry.acls.kafka_admin import KafkaPythonAclAdmin
from cvihub_registry.acls.service import acl_inputs
from cvihub_registry.acls.sync import AclInputs, AclSync
from cvihub_registry.administrators import api as administrators_api
from cvihub_registry.audit import api as audit_api
from cvihub_registry.audit import service as audit_service
from cvihub_registry.bootstrap import service as bootstrap_service
from cvihub_registry.bootstrap.seed import load_seed
from cvihub_registry.consents import api as consents_api
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import RegistryError
from cvihub_registry.grants import api as grants_api
from cvihub_registry.handlers import TOPICS, audit_consumer
from cvihub_registry.keys import api as keys_api
from cvihub_registry.mail.api import admin_mail_router
from cvihub_registry.mail.mailer import OutboxMailer
from cvihub_registry.mail.relay import smtp_mail_relay
from cvihub_registry.models import outbox
from cvihub_registry.partners import api as partners_api
from cvihub_registry.people import api as people_api
from cvihub_registry.people.codes import email_key
from cvihub_registry.people.signin import SignIn
from cvihub_registry.reencrypt import seal_rows_from_before
from cvihub_registry.settings import RegistrySettings
from cvihub_registry.subscriptions import api as subscriptions_api
from cvihub_runtime.egress import EgressPolicy
from cvihub_runtime.hosting import Hosting
from cvihub_runtime.kafka import publish_records
from cvihub_runtime.openapi import install_http_surface
from cvihub_runtime.outbox import OutboxRelay
from cvihub_runtime.problems import install_problem_handlers, problem_response
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

    core = RegistryCore(
        sessions=hosting.sessions,
        box=SecretBox(settings.secret_key.get_secret_value()),
        wake=wake_all,
        email_key=email_key(settings.secret_key.get_secret_value()),
        egress=EgressPolicy(allow_insecure_loopback=settings.webhook_allow_insecure_loopback),
    )
    if settings.kafka_acls:  # off by default: the embedded broker enforces no ACLs
        acl_sync = _acl_sync(core, settings)
        wakers.append(acl_sync.wake)
        hosting.add_loop(acl_sync.run)
    # Read the seed before anything starts, so a broken file stops the process at once.
    seed = load_seed(settings.seed_file) if settings.seed_file else None

    async def seed_and_snapshot() -> None:
        # Rows from before their columns were sealed: sealed (and people made findable by
        # their email's digest) before anything reads them; a no-op once done.
        await seal_rows_from_before(core)
        # Before anything is appended: the head as found is the anchor to compare with.
        await audit_service.announce_head(core=core)
        if seed is not None:
            await bootstrap_service.apply_seed(core=core, seed=seed)
        await bootstrap_service.publish_snapshot(core=core)

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
    install_registry_errors(app)

    async def progress() -> dict[str, int]:
        async with hosting.sessions() as session:
            return {"registry_sequence": await store.newest_published_state(session)}

    install_ops_routes(app, hosting, progress)
    # Without REGISTRY_SMTP_URL no relay runs: mail waits in the outbox for the admin to read.
    mail_relay = smtp_mail_relay(settings, hosting.sessions, core.box)
    if mail_relay is not None:
        hosting.add_loop(mail_relay.run)
    signin = SignIn(
        mailer=OutboxMailer(hosting.sessions, core.box, mail_relay.wake if mail_relay else None),
        email_key=core.email_key,
    )
    for router in _routers(core, settings, signin, reveal_mail=mail_relay is None):
        app.include_router(router)
    install_http_surface(app, max_body_bytes=settings.max_body_bytes)
    app.state.hosting = hosting
    return app


def _routers(
    core: RegistryCore, settings: RegistrySettings, signin: SignIn, *, reveal_mail: bool
) -> list[APIRouter]:
    """Every feature's routers, in the order the API documents them."""
    admin_token = settings.admin_token.get_secret_value()
    grace = timedelta(seconds=settings.key_rotation_grace_seconds)
    direct_publish = settings.kafka_acl_direct_publish
    admin_key_ttl = timedelta(days=settings.admin_key_ttl_days)
    return [
        partners_api.admin_partners_router(core, admin_token),
        keys_api.admin_keys_router(core, admin_token),
        grants_api.admin_grants_router(core, admin_token),
        subscriptions_api.admin_subscriptions_router(core, admin_token),
        audit_api.admin_audit_router(core, admin_token),
        partners_api.own_profile_router(core),
        grants_api.own_grants_router(core),
        subscriptions_api.own_subscriptions_router(core),
        keys_api.own_keys_router(core),
        partners_api.directory_router(core),
        grants_api.streams_router(core, admin_token),
        acls_api.acl_admin_router(core, admin_token, direct_publish=direct_publish),
        keys_api.rotation_router(core, admin_token, grace=grace),
        people_api.auth_router(core, signin),
        people_api.partner_people_router(core),
        people_api.admin_people_router(core, admin_token),
        admin_mail_router(core, admin_token, reveal_bodies=reveal_mail),
        consents_api.consents_router(core),
        consents_api.admin_consents_router(core, admin_token),
        administrators_api.administrators_router(core, admin_token, key_ttl=admin_key_ttl),
        administrators_api.admin_signin_router(core, signin),
    ]


def _acl_sync(core: RegistryCore, settings: RegistrySettings) -> AclSync:
    async def load() -> AclInputs:
        return await acl_inputs(core=core, direct_publish=settings.kafka_acl_direct_publish)

    return AclSync(
        admin=KafkaPythonAclAdmin(settings.kafka_bootstrap_servers),
        load=load,
        interval=settings.kafka_acl_sync_seconds,
    )


def install_registry_errors(app: FastAPI) -> None:
    """Answer the use cases' refusals as problem+json."""

    async def on_registry_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RegistryError)
        return problem_response(exc.status, exc.kind, exc.detail, instance=request.url.path)

    app.add_exception_handler(RegistryError, on_registry_error)
