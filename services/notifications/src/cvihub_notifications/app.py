"""Composition root of the notifications service: `uvicorn cvihub_notifications.app:create_app
--factory`. The only place infrastructure is built."""

import functools
from datetime import timedelta
from pathlib import Path

import structlog
from fastapi import FastAPI

from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications import handlers, models
from cvihub_notifications.api import deliveries_router
from cvihub_notifications.channels import build_transports, channel_progress
from cvihub_notifications.channels.email import SMTP_ENV, EmailTransport
from cvihub_notifications.channels.sms import SMS_ENV, read_hint
from cvihub_notifications.deps import build_deps
from cvihub_notifications.endpoints_api import endpoints_router
from cvihub_notifications.inbox_api import inbox_router
from cvihub_notifications.lanes import Lanes
from cvihub_notifications.notices import NoticeMailer
from cvihub_notifications.notices_api import admin_notices_router, notices_router
from cvihub_notifications.retries import RetryPolicy
from cvihub_notifications.settings import NotificationsSettings
from cvihub_notifications.stream_api import StreamWaker, stream_router
from cvihub_notifications.worker import DeliveryWorker
from cvihub_registry_copy import MIGRATIONS as registry_copy_migrations
from cvihub_registry_copy.refusal_audit import install_refusal_audit
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_registry_copy.web import copy_progress
from cvihub_runtime.egress import EgressPolicy
from cvihub_runtime.hosting import Hosting
from cvihub_runtime.inbox import EventConsumer
from cvihub_runtime.kafka import publish_records
from cvihub_runtime.openapi import install_http_surface
from cvihub_runtime.outbox import OutboxRelay
from cvihub_runtime.problems import install_problem_handlers
from cvihub_runtime.reencrypt import seal_rows_from_before
from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.web import install_ops_routes

log = structlog.get_logger(__name__)

NAME = "notifications"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    """Build the service: registry copy, event consumer, delivery worker and HTTP API."""
    settings = settings or NotificationsSettings()  # the rest from NOTIFICATIONS_* env
    hosting = Hosting(
        name=NAME,
        settings=settings,
        migrations_dir=MIGRATIONS_DIR,
        shared_migrations=[registry_copy_migrations],
    )
    # Endpoints the registry copy stored before they were sealed (and any other marked column).
    hosting.on_start(functools.partial(seal_rows_from_before, hosting.sessions, models.metadata))
    box = SecretBox(settings.secret_key)
    mailer = settings.mailer()
    if mailer is None:
        log.warning("e-mail is not configured: e-mail deliveries stay pending", setting=SMTP_ENV)
    sms = settings.sms_gateway()
    if sms is None:
        log.warning("SMS is not configured: SMS deliveries stay pending", setting=SMS_ENV)
    transports = build_transports(
        box=box,
        http_timeout_seconds=settings.http_timeout_seconds,
        mailer=mailer,
        sms=sms,
        sms_hint=read_hint(settings.public_url),
        egress=EgressPolicy(allow_insecure_loopback=settings.webhook_allow_insecure_loopback),
    )
    worker = DeliveryWorker(
        sessions=hosting.sessions,
        transports=transports,
        policy=RetryPolicy(
            schedule_seconds=settings.retry_schedule_seconds,
            jitter=settings.retry_jitter,
            time_scale=settings.retry_time_scale,
            retry_after_max_seconds=settings.retry_after_max_seconds,
            disable_after_seconds=settings.disable_after_failing_seconds,
        ),
        # A claim outlives the slowest request, so only a dead worker's claims come due again.
        lease_seconds=2 * settings.http_timeout_seconds + 30,
        max_concurrent=settings.max_concurrent_deliveries,
        poll_seconds=settings.poll_seconds,
        lanes=Lanes(
            per_endpoint=settings.endpoint_max_concurrent,
            failures=settings.breaker_failures,
            cooldown_seconds=settings.breaker_cooldown_seconds,
        ),
        rotation_grace=timedelta(seconds=settings.secret_rotation_grace_seconds),
    )

    # The outbox carries only refusals (AccessRefusedV1) to the registry's audit log.
    relay = OutboxRelay(
        hosting.sessions, models.outbox, functools.partial(publish_records, hosting.broker)
    )
    hosting.add_loop(relay.run)
    recorder = RefusalRecorder(
        service=NAME, sessions=hosting.sessions, outbox=models.outbox, wake=relay.wake
    )
    hosting.add_loop(recorder.run)

    waker = StreamWaker()

    def after_commit() -> None:
        worker.wake()
        relay.wake()
        waker.wake()

    consumer = EventConsumer(
        name=NAME,
        sessions=hosting.sessions,
        inbox=models.inbox,
        broker=hosting.broker,
        handlers=handlers.event_handlers(box=box, transports=transports),
        # Deliveries are stored with the event; the worker sends them once they are committed.
        after_commit=after_commit,
    )
    hosting.subscribe(consumer, *handlers.TOPICS)
    hosting.add_loop(worker.run)
    email = transports[Channel.EMAIL]
    assert isinstance(email, EmailTransport)
    mailer_of_notices = NoticeMailer(
        sessions=hosting.sessions,
        email=email,
        hub_admin_email=settings.hub_admin_email,
        poll_seconds=settings.poll_seconds,
    )
    if email.ready:  # without SMTP, notices are listed and their mail waits
        hosting.add_loop(mailer_of_notices.run)

    app = FastAPI(
        title="CVI hub notifications",
        version="0.1.0",
        description="Delivers hub events to entitled partners as signed webhooks (Standard "
        "Webhooks, CloudEvents structured JSON), into their web inbox, or as e-mail or SMS "
        "notices without personal or case data, and lets partners inspect their deliveries.",
        lifespan=hosting.lifespan,
    )
    install_problem_handlers(app)
    install_refusal_audit(app, recorder)
    progress = copy_progress(models.registry_copy, hosting.sessions)
    for channel in (Channel.EMAIL, Channel.SMS):
        progress = channel_progress(progress, hosting.sessions, transports[channel])
    install_ops_routes(app, hosting, progress)
    deps = build_deps(sessions=hosting.sessions, recorder=recorder, on_committed=worker.wake)
    app.include_router(deliveries_router(deps))
    app.include_router(endpoints_router(deps))
    app.include_router(inbox_router(deps, box=box))
    app.include_router(stream_router(deps, box=box, waker=waker))
    app.include_router(notices_router(deps))
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    app.include_router(admin_notices_router(deps, token))
    install_http_surface(app, max_body_bytes=settings.max_body_bytes)
    # Tests reach the running infrastructure through app.state.
    app.state.hosting = hosting
    app.state.relay = relay
    app.state.refusals = recorder
    app.state.notice_mailer = mailer_of_notices
    return app
