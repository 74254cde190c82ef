"""The delivery worker: claims due deliveries and sends them (webhook POSTs, e-mail and SMS
notices), a bounded number at once."""

import asyncio
import random
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from prometheus_client import Counter, Histogram

from cvihub_contracts.referral.submitted_v1 import EVENT_TYPE as REFERRAL_SUBMITTED
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications import delivery
from cvihub_notifications.consent import QuotedConsent, quoted_consent
from cvihub_notifications.delivery import RetryPolicy
from cvihub_notifications.mail_delivery import send_notice
from cvihub_notifications.service import DeliveryStatus
from cvihub_notifications.sms_delivery import send_sms_notice
from cvihub_notifications.sms_gateway import SmsGateway
from cvihub_notifications.store import Claimed
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.mail import SmtpSender
from cvihub_runtime.secretbox import SecretBox

log = structlog.get_logger(__name__)

ATTEMPTS = Counter(
    "cvihub_notifications_delivery_attempts_total",
    "Webhook delivery attempts by outcome.",
    ["outcome"],
)
LATENCY = Histogram(
    "cvihub_notifications_delivery_latency_seconds",
    "From the event's time to its successful delivery.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600),
)


class DeliveryWorker:
    """Sends pending deliveries; wake it after a commit so new ones go out at once."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        box: SecretBox,
        policy: RetryPolicy,
        http_timeout_seconds: float,
        max_concurrent: int,
        poll_seconds: float,
        mailer: SmtpSender | None = None,
        sms: SmsGateway | None = None,
    ) -> None:
        self._sessions = sessions
        # Without SMTP or an SMS gateway, that channel's deliveries are not claimed: they
        # wait, pending, until it is set.
        self._mailer = mailer
        self._sms = sms
        self._skip_channels = tuple(
            channel.value
            for channel, sender in ((Channel.EMAIL, mailer), (Channel.SMS, sms))
            if sender is None
        )
        self._box = box
        self._policy = policy
        self._timeout = http_timeout_seconds
        self._max_concurrent = max_concurrent
        self._poll_seconds = poll_seconds
        # A claim outlives the slowest request, so only a dead worker's claims come due again.
        self._lease_seconds = 2 * http_timeout_seconds + 30
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Tell the worker that new deliveries are waiting."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver forever; fall back to polling for retries that come due."""
        inflight: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            try:
                while True:
                    free = self._max_concurrent - len(inflight)
                    if free > 0:
                        self._wake.clear()
                        for claimed in await self._claim(free):
                            task = asyncio.create_task(self._deliver(client, claimed))
                            inflight.add(task)
                            task.add_done_callback(inflight.discard)
                    # Wake on a free slot, when a retry may have come due, or (with room
                    # for more) on a new delivery.
                    waiters: set[asyncio.Task[Any]] = set(inflight)
                    waker = None
                    if len(inflight) < self._max_concurrent:
                        waker = asyncio.create_task(self._wake.wait())
                        waiters.add(waker)
                    try:
                        await asyncio.wait(
                            waiters, timeout=self._poll_seconds, return_when=asyncio.FIRST_COMPLETED
                        )
                    finally:
                        if waker is not None:
                            waker.cancel()
            finally:
                for task in list(inflight):
                    task.cancel()
                # Cancelled sends keep their claim; they come due again when the lease ends.
                await asyncio.gather(*inflight, return_exceptions=True)
                if self._sms is not None:
                    await self._sms.aclose()

    async def _claim(self, limit: int) -> list[Claimed]:
        try:
            return await delivery.claim_due(
                sessions=self._sessions,
                now=datetime.now(UTC),
                limit=limit,
                lease_seconds=self._lease_seconds,
                skip_channels=self._skip_channels,
            )
        except Exception:
            log.exception("claiming deliveries failed; retrying")
            return []

    async def _deliver(self, client: httpx.AsyncClient, claimed: Claimed) -> None:
        try:
            await self._attempt(client, claimed)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The claim stays; the delivery comes due again when its lease ends.
            log.exception("delivery attempt could not be recorded", delivery_id=claimed.delivery_id)

    def _quoted_consent(self, claimed: Claimed) -> QuotedConsent | None:
        if claimed.event_type != REFERRAL_SUBMITTED:
            return None
        try:
            body = self._box.decrypt(claimed.body_encrypted)
        except ValueError:
            return None  # the attempt reports the unusable body
        return quoted_consent(body=body, partner_id=claimed.partner_id)

    async def _attempt(self, client: httpx.AsyncClient, claimed: Claimed) -> None:
        secret_encrypted = await delivery.signing_secret(
            sessions=self._sessions, claimed=claimed, consent=self._quoted_consent(claimed)
        )
        if secret_encrypted is None:
            ATTEMPTS.labels(outcome="abandoned").inc()
            return
        if claimed.channel == Channel.EMAIL.value and self._mailer is not None:
            outcome = await send_notice(
                sessions=self._sessions,
                box=self._box,
                mailer=self._mailer,
                claimed=claimed,
                policy=self._policy,
            )
            ATTEMPTS.labels(outcome=_outcome_label(outcome.status)).inc()
            return
        if claimed.channel == Channel.SMS.value and self._sms is not None:
            outcome = await send_sms_notice(
                sessions=self._sessions,
                box=self._box,
                gateway=self._sms,
                claimed=claimed,
                policy=self._policy,
            )
            ATTEMPTS.labels(outcome=_outcome_label(outcome.status)).inc()
            return
        at = datetime.now(UTC)
        started = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            secret = self._box.decrypt(secret_encrypted)
            body = self._box.decrypt(claimed.body_encrypted).encode()
            headers = delivery.webhook_headers(
                secret=secret, msg_id=claimed.event_id, body=body, at=at
            )
            # Streamed and never read: the answer's body is of no use and may be large.
            async with client.stream(
                "POST", claimed.url, content=body, headers=headers
            ) as response:
                status_code = response.status_code
            if not delivery.is_success(status_code):
                error = f"HTTP {status_code}"  # never the response body
        except ValueError:
            error = "secret or body unusable"  # wrong key, or a malformed secret
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        duration_ms = int((time.perf_counter() - started) * 1000)
        outcome = await delivery.complete_attempt(
            sessions=self._sessions,
            claimed=claimed,
            at=at,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
            policy=self._policy,
            rand=random.random(),
        )
        ATTEMPTS.labels(outcome=_outcome_label(outcome.status)).inc()
        if outcome.status is DeliveryStatus.DELIVERED:
            LATENCY.observe(max(0.0, (datetime.now(UTC) - claimed.event_time).total_seconds()))


def _outcome_label(status: DeliveryStatus) -> str:
    return {
        DeliveryStatus.DELIVERED: "delivered",
        DeliveryStatus.PENDING: "retry",
        DeliveryStatus.FAILED: "failed",
    }[status]
