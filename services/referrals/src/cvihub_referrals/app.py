"""Composition root of the referrals service: the only place that builds infrastructure."""

import functools
import os
import socket
import uuid
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from cvihub_referrals import handlers, routing
from cvihub_referrals.activities_api import activities_router
from cvihub_referrals.aggregates_api import aggregates_router
from cvihub_referrals.api import referrals_router
from cvihub_referrals.deps import build_deps
from cvihub_referrals.lists_api import lists_router
from cvihub_referrals.models import inbox, metadata, outbox, registry_copy
from cvihub_referrals.settings import ReferralsSettings
from cvihub_referrals.timers import TimerWorker
from cvihub_registry_copy import MIGRATIONS as registry_copy_migrations
from cvihub_registry_copy.refusal_audit import install_refusal_audit
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_registry_copy.web import copy_progress
from cvihub_runtime.hosting import Hosting
from cvihub_runtime.inbox import EventConsumer
from cvihub_runtime.kafka import publish_records
from cvihub_runtime.openapi import install_http_surface
from cvihub_runtime.outbox import OutboxRelay
from cvihub_runtime.problems import install_problem_handlers
from cvihub_runtime.reencrypt import seal_rows_from_before
from cvihub_runtime.web import install_ops_routes

NAME = "referrals"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: ReferralsSettings | None = None) -> FastAPI:
    """The referrals service: consumes referral events, serves and moves referrals."""
    settings = settings or ReferralsSettings()
    hosting = Hosting(
        name=NAME,
        settings=settings,
        migrations_dir=MIGRATIONS_DIR,
        shared_migrations=[registry_copy_migrations],
    )
    # Endpoints the registry copy stored before they were sealed (and any other marked column).
    hosting.on_start(functools.partial(seal_rows_from_before, hosting.sessions, metadata))

    skew = timedelta(seconds=settings.max_clock_skew_seconds)
    relay = OutboxRelay(
        hosting.sessions, outbox, functools.partial(publish_records, hosting.broker)
    )
    hosting.add_loop(relay.run)
    recorder = RefusalRecorder(
        service=NAME, sessions=hosting.sessions, outbox=outbox, wake=relay.wake
    )
    hosting.add_loop(recorder.run)

    timer_worker = TimerWorker(
        sessions=hosting.sessions,
        levels=settings.service_levels,
        worker_id=f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}",
        lease=timedelta(seconds=settings.timer_lease_seconds),
        poll=timedelta(seconds=settings.timer_poll_seconds),
        on_fired=relay.wake,
        escalate=routing.reoffer,
    )
    hosting.add_loop(timer_worker.run)

    consumer = EventConsumer(
        name=NAME,
        sessions=hosting.sessions,
        inbox=inbox,
        broker=hosting.broker,
        handlers=handlers.event_handlers(skew=skew),
    )
    hosting.subscribe(consumer, *handlers.TOPICS)

    app = FastAPI(
        title="CVI hub referrals",
        description="Referrals for their referring and recipient partners, and status changes.",
        version="1.0.0",
        lifespan=hosting.lifespan,
    )
    install_problem_handlers(app)
    # A party attempting the other party's move: the problem's detail says whose move it is.
    install_refusal_audit(app, recorder, reasons={"forbidden": lambda problem: problem.detail})
    install_ops_routes(app, hosting, copy_progress(registry_copy, hosting.sessions))
    deps = build_deps(sessions=hosting.sessions, recorder=recorder, on_committed=relay.wake)
    # Before the referral routes, so /v1/referrals/inbox is no referral id.
    app.include_router(lists_router(deps, levels=settings.service_levels))
    app.include_router(referrals_router(deps))
    app.include_router(aggregates_router(deps, levels=settings.service_levels))
    app.include_router(activities_router(deps, skew=skew))
    install_http_surface(app, max_body_bytes=settings.max_body_bytes)
    app.state.hosting = hosting
    app.state.relay = relay
    app.state.timers = timer_worker
    app.state.refusals = recorder
    return app
