"""The rest-hook worker: POSTs each planned notification to its Subscription's endpoint.

Every request goes through the egress rules (cvihub_runtime.egress, as notifications' webhooks
and the registry's checks do): HTTPS to a public address only, the resolved address pinned,
redirects never followed. Only a 2xx counts; a failure is retried after the next delay of the
schedule, and after the last one the notification is given up and the Subscription shows
status error (a later delivery sets it active again)."""

import asyncio
import contextlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from sqlalchemy.engine import RowMapping

from cvihub_intake.fhir.subscriptions import store
from cvihub_intake.fhir.subscriptions.resources import FHIR_JSON, notification_bundle
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.egress import (
    EgressPolicy,
    EgressRefused,
    Resolver,
    egress_client,
    system_resolver,
)

log = structlog.get_logger(__name__)
USER_AGENT = "cvihub-intake/0.1"
_BATCH = 50
KEEP_DONE = timedelta(days=7)
"""How long sent and given-up notifications are kept (for a look at what went out)."""
_PURGE_EVERY = timedelta(hours=1)


class RestHookSender:
    """Sends due notifications; woken when new ones are planned, else polls."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        policy: EgressPolicy,
        retry_seconds: Sequence[float],
        timeout_seconds: float,
        base_url: str | None,
        resolver: Resolver = system_resolver,
        idle_poll_seconds: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._retry = tuple(retry_seconds)
        self._timeout = timeout_seconds
        self._base = base_url
        self._policy = policy
        self._resolver = resolver
        self._idle = idle_poll_seconds
        self._wake = asyncio.Event()
        self._purged_at: datetime | None = None

    def wake(self) -> None:
        """Tell the worker that notifications may be waiting."""
        self._wake.set()

    async def run(self) -> None:
        """Send forever; errors are logged and retried after a pause."""
        async with egress_client(
            self._policy, timeout=self._timeout, resolver=self._resolver
        ) as client:
            while True:
                try:
                    sent = await self.send_due(client)
                    await self._purge()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("rest-hook worker failed; retrying")
                    sent = 0
                if sent < _BATCH:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(await self._pause()):
                            await self._wake.wait()

    async def _purge(self) -> None:
        now = datetime.now(UTC)
        if self._purged_at is not None and now - self._purged_at < _PURGE_EVERY:
            return
        async with self._sessions() as session, session.begin():
            await store.purge_done(session, before=now - KEEP_DONE)
        self._purged_at = now

    async def _pause(self) -> float:
        async with self._sessions() as session:
            due = await store.next_due(session)
        if due is None:
            return self._idle
        return min(self._idle, max(0.05, (due - datetime.now(UTC)).total_seconds()))

    async def send_due(self, client: httpx.AsyncClient) -> int:
        """Attempt one batch of due notifications; how many were attempted."""
        now = datetime.now(UTC)
        lease = timedelta(seconds=self._timeout * 2 + 5)
        async with self._sessions() as session, session.begin():
            claimed = await store.claim_due(session, now=now, lease=lease, limit=_BATCH)
        await asyncio.gather(*(self._attempt(client, n, s) for n, s in claimed))
        return len(claimed)

    async def _attempt(
        self, client: httpx.AsyncClient, notification: RowMapping, subscription: RowMapping
    ) -> None:
        at_event = {**subscription, "events_since_start": notification["event_number"]}
        body = notification_bundle(
            at_event,
            notification_id=str(uuid.uuid4()),
            base=self._base,
            event=(notification["event_number"], notification["event_at"], notification["task_id"]),
            now=datetime.now(UTC),
        )
        error: str | None = None
        try:
            response = await client.post(
                subscription["endpoint"],
                content=json.dumps(body, separators=(",", ":")).encode(),
                headers={"content-type": FHIR_JSON, "user-agent": USER_AGENT},
            )
            if not 200 <= response.status_code < 300:
                error = f"the endpoint answered {response.status_code}"
        except EgressRefused as refused:
            error = f"egress rule {refused.rule}"
        except httpx.HTTPError as exc:
            error = f"no answer ({type(exc).__name__})"
        attempts = notification["attempts"] + 1
        async with self._sessions() as session, session.begin():
            if error is None:
                await store.sent(session, notification)
            else:
                retry_at = None
                if attempts <= len(self._retry):
                    retry_at = datetime.now(UTC) + timedelta(seconds=self._retry[attempts - 1])
                await store.failed(session, notification, error=error, retry_at=retry_at)
        log.info(
            "fhir notification attempted",
            subscription_id=subscription["subscription_id"],
            event_number=notification["event_number"],
            attempt=attempts,
            error=error,
        )
