"""Composition root of the notifications service: the only place infrastructure is built."""

import functools
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, EventData
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications import service
from cvihub_notifications.api import deliveries_router
from cvihub_notifications.channel_delivery import channel_progress
from cvihub_notifications.delivery import RetryPolicy
from cvihub_notifications.handlers import TOPICS
from cvihub_notifications.inbox_api import inbox_router
from cvihub_notifications.mail_delivery import SMTP_ENV
from cvihub_notifications.models import inbox, outbox, registry_copy
from cvihub_notifications.settings import NotificationsSettings
from cvihub_notifications.sms_delivery import SMS_ENV
from cvihub_notifications.sms_notice import read_hint
from cvihub_notifications.worker import DeliveryWorker
from cvihub_registry_copy import MIGRATIONS as registry_copy_migrations
from cvihub_registry_copy import REGISTRY_EVENT_TYPES
from cvihub_registry_copy.refusal_audit import install_refusal_audit
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_registry_copy.web import copy_progress, partner_authenticator
from cvihub_runtime.hosting import Hosting
from cvihub_runtime.inbox import EventConsumer, EventHandler
from cvihub_runtime.kafka import publish_records
from cvihub_runtime.outbox import OutboxRelay
from cvihub_runtime.problems import install_problem_handlers
from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.web import install_ops_routes

log = structlog.get_logger(__name__)

NAME = "notifications"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest major of each type: the EventConsumer upcasts older ones before they get here.
DELIVERED_EVENTS = (
    IncidentAlertV2,
    BulletinPublishedV1,
    ReferralSubmittedV1,
    ReferralStatusChangedV1,
)


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    """Build the service: registry copy, event consumer, delivery worker and HTTP API."""
    settings = settings or NotificationsSettings()  # the rest from NOTIFICATIONS_* env
    hosting = Hosting(
        name=NAME,
        settings=settings,
        migrations_dir=MIGRATIONS_DIR,
        shared_migrations=[registry_copy_migrations],
    )
    box = SecretBox(settings.secret_key)
    mailer = settings.mailer()
    if mailer is None:
        log.warning("e-mail is not configured: e-mail deliveries stay pending", setting=SMTP_ENV)
    sms = settings.sms_gateway()
    if sms is None:
        log.warning("SMS is not configured: SMS deliveries stay pending", setting=SMS_ENV)
    sms_hint = read_hint(settings.public_url)
    worker = DeliveryWorker(
        sessions=hosting.sessions,
        box=box,
        policy=RetryPolicy(
            base_seconds=settings.retry_base_seconds,
            max_seconds=settings.retry_max_seconds,
            max_attempts=settings.max_attempts,
        ),
        http_timeout_seconds=settings.http_timeout_seconds,
        max_concurrent=settings.max_concurrent_deliveries,
        poll_seconds=settings.poll_seconds,
        mailer=mailer,
        sms=sms,
    )

    # The outbox carries only refusals (AccessRefusedV1) to the registry's audit log.
    relay = OutboxRelay(
        hosting.sessions, outbox, functools.partial(publish_records, hosting.broker)
    )
    hosting.add_loop(relay.run)
    recorder = RefusalRecorder(
        service=NAME, sessions=hosting.sessions, outbox=outbox, wake=relay.wake
    )
    hosting.add_loop(recorder.run)

    def after_commit() -> None:
        worker.wake()
        relay.wake()

    async def plan(session: AsyncSession, event: Event[Any]) -> None:
        await service.plan_deliveries(session=session, event=event, box=box, sms_hint=sms_hint)

    handlers: dict[type[EventData], EventHandler] = {
        model: registry_copy.apply for model in REGISTRY_EVENT_TYPES
    }
    handlers.update(dict.fromkeys(DELIVERED_EVENTS, plan))
    consumer = EventConsumer(
        name=NAME,
        sessions=hosting.sessions,
        inbox=inbox,
        broker=hosting.broker,
        handlers=handlers,
        # Deliveries are stored with the event; the worker sends them once they are committed.
        after_commit=after_commit,
    )
    hosting.subscribe(consumer, *TOPICS)
    hosting.add_loop(worker.run)

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
    progress = copy_progress(registry_copy, hosting.sessions)
    progress = channel_progress(
        progress, hosting.sessions, Channel.EMAIL, configured=mailer is not None
    )
    progress = channel_progress(progress, hosting.sessions, Channel.SMS, configured=sms is not None)
    install_ops_routes(app, hosting, progress)
    current_partner = partner_authenticator(registry_copy, hosting.sessions)
    app.include_router(
        deliveries_router(
            sessions=hosting.sessions,
            current_partner=current_partner,
            recorder=recorder,
        )
    )
    app.include_router(
        inbox_router(
            sessions=hosting.sessions, box=box, current_partner=current_partner, recorder=recorder
        )
    )
    app.state.hosting = hosting
    app.state.relay = relay
    app.state.refusals = recorder
    return app
