"""Composition root of the intake service: `uvicorn cvihub_intake.app:create_app --factory`."""

import functools
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from cvihub_contracts.timestamps import set_future_skew
from cvihub_intake import api, handlers, models, replay, service
from cvihub_intake.acceptance import Gate
from cvihub_intake.admin_api import admin_router
from cvihub_intake.deps import build_deps
from cvihub_intake.fhir.subscriptions.api import SubscriptionRules, subscriptions_router
from cvihub_intake.fhir.subscriptions.delivery import RestHookSender
from cvihub_intake.middleware import (
    LargerBodiesUnder,
    count_body_refusal,
    install_refusal_counting,
)
from cvihub_intake.ratelimit import RateLimiter, RateLimitHeaders
from cvihub_intake.settings import IntakeSettings
from cvihub_intake.uploads.api import UPLOADS_PATH
from cvihub_intake.uploads.jobs import UploadRunner
from cvihub_registry_copy import MIGRATIONS as registry_copy_migrations
from cvihub_registry_copy.refusal_audit import install_refusal_audit
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_registry_copy.web import copy_progress
from cvihub_runtime.egress import EgressPolicy
from cvihub_runtime.group_commit import GroupCommit
from cvihub_runtime.hosting import Hosting
from cvihub_runtime.inbox import EventConsumer
from cvihub_runtime.kafka import publish_records
from cvihub_runtime.openapi import install_http_surface
from cvihub_runtime.outbox import OutboxRelay
from cvihub_runtime.problems import install_problem_handlers
from cvihub_runtime.reencrypt import seal_rows_from_before
from cvihub_runtime.web import install_ops_routes

SERVICE_NAME = "intake"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    """The intake app, its broker subscriber and its outbox relay, ready to run."""
    settings = settings or IntakeSettings()
    # The contracts' own check of occurrence times uses the same allowance as intake's.
    set_future_skew(timedelta(seconds=settings.future_skew_seconds))
    hosting = Hosting(
        name=SERVICE_NAME,
        settings=settings,
        migrations_dir=MIGRATIONS_DIR,
        shared_migrations=[registry_copy_migrations],
    )
    # Endpoints the registry copy stored before they were sealed (and any other marked column).
    hosting.on_start(functools.partial(seal_rows_from_before, hosting.sessions, models.metadata))

    relay = OutboxRelay(
        hosting.sessions, models.outbox, functools.partial(publish_records, hosting.broker)
    )
    hosting.add_loop(relay.run)
    recorder = RefusalRecorder(
        service=SERVICE_NAME, sessions=hosting.sessions, outbox=models.outbox, wake=relay.wake
    )
    hosting.add_loop(recorder.run)

    async def purge_expired_keys() -> None:
        await service.purge_expired_keys(hosting.sessions)

    hosting.add_loop(purge_expired_keys)

    egress = EgressPolicy(allow_insecure_loopback=settings.webhook_allow_insecure_loopback)
    rest_hooks = RestHookSender(
        sessions=hosting.sessions,
        policy=egress,
        retry_seconds=settings.subscription_retry_seconds,
        timeout_seconds=settings.subscription_timeout_seconds,
        base_url=settings.fhir_base_url,
    )
    hosting.add_loop(rest_hooks.run)

    consumer = EventConsumer(
        name=SERVICE_NAME,
        sessions=hosting.sessions,
        inbox=models.inbox,
        broker=hosting.broker,
        handlers=handlers.event_handlers(),
        # A Task change may have planned FHIR notifications.
        after_commit=rest_hooks.wake,
    )
    hosting.subscribe(consumer, *handlers.TOPICS)

    app = FastAPI(
        title="CVI hub intake",
        summary="Partners submit referrals and incident alerts to the hub here.",
        version="1",
        lifespan=hosting.lifespan,
    )
    install_problem_handlers(app)
    install_refusal_counting(app, kind_of=api.submission_kind_of)
    install_refusal_audit(app, recorder, reasons={"not-granted": "no publish grant"})
    install_ops_routes(app, hosting, copy_progress(models.registry_copy, hosting.sessions))
    limiter = RateLimiter(default=settings.rate_limit, overrides=settings.rate_limit_overrides)
    deps = build_deps(
        sessions=hosting.sessions, recorder=recorder, on_committed=relay.wake, limiter=limiter
    )
    gate = Gate(
        sessions=hosting.sessions,
        recorder=recorder,
        wake_relay=relay.wake,
        policy=settings.policy(),
        commits=GroupCommit(hosting.sessions),
    )

    async def purge_outbox() -> None:
        retention = timedelta(hours=settings.outbox_retention_hours)
        await replay.purge_forever(hosting.sessions, retention=retention)

    hosting.add_loop(purge_outbox)
    uploads = UploadRunner(sessions=hosting.sessions, gate=gate)
    hosting.add_loop(uploads.run)
    app.include_router(api.intake_router(deps, gate, uploads))
    rules = SubscriptionRules(
        egress=egress,
        per_partner=settings.subscriptions_per_partner,
        base_url=settings.fhir_base_url,
    )
    app.include_router(
        subscriptions_router(deps, rules, api.problems(400, 401, 404, 415, 422, 429))
    )
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    app.include_router(admin_router(hosting.sessions, token, api.problems(400, 401, 413, 415, 422)))
    on_refused = count_body_refusal(api.submission_kind_of)
    install_http_surface(
        app,
        max_body_bytes=max(settings.max_body_bytes, settings.upload_max_bytes),
        on_refused=on_refused,
    )
    app.add_middleware(
        LargerBodiesUnder,
        prefix=UPLOADS_PATH,
        default=settings.max_body_bytes,
        larger=settings.upload_max_bytes,
        on_refused=on_refused,
    )
    app.add_middleware(RateLimitHeaders)
    # Tests reach the running infrastructure through app.state.
    app.state.hosting = hosting
    app.state.relay = relay
    app.state.uploads = uploads
    app.state.rest_hooks = rest_hooks
    app.state.refusals = recorder
    return app
