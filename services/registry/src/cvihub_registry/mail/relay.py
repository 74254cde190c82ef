"""Delivers the mail outbox over SMTP: claim a due message, send it, record the outcome.

Each message is claimed with a lease (one conditional UPDATE), so registry replicas running
side by side never send the same message twice while the lease holds; a relay that dies
mid-send leaves the lease to run out, and another one tries again. A failed attempt waits
twice as long as the one before; after the last attempt, on a permanent refusal, or once the
code it carries has expired, the message is marked failed. Sent or failed, the body is wiped.
Logs name row ids and error kinds only, never an address or a body.
"""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import structlog

from cvihub_registry.mail import store as mail_store
from cvihub_registry.mail.store import ClaimedMail
from cvihub_registry.settings import RegistrySettings
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.mail import MailDeliveryError, SmtpSender
from cvihub_runtime.secretbox import SecretBox

MAX_BACKOFF = timedelta(minutes=5)


class MailTransport(Protocol):
    """Delivers one message or raises MailDeliveryError (SmtpSender is one)."""

    async def send(self, *, to: str, subject: str, body: str) -> None:
        """Deliver the message."""


def retry_delay(attempts: int, base: timedelta, cap: timedelta = MAX_BACKOFF) -> timedelta:
    """Exponential back-off: base after the first attempt, doubling, never above cap."""
    factor: int = 2 ** max(0, attempts - 1)
    return min(cap, base * factor)


class MailRelay:
    """Sends pending mail; wake it after queueing a message for low latency."""

    def __init__(
        self,
        sessions: SessionFactory,
        box: SecretBox,
        transport: MailTransport,
        *,
        max_attempts: int = 6,
        retry_base: timedelta = timedelta(seconds=5),
        send_timeout: timedelta = timedelta(minutes=2),
        batch_size: int = 20,
        idle_poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        describe: str = "mail transport",
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._transport = transport
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._send_timeout = send_timeout
        # Longer than any send can take, so a live relay never loses its lease mid-send.
        self._lease = send_timeout + timedelta(minutes=1)
        self._batch_size = batch_size
        self._idle_poll_seconds = idle_poll_seconds
        self._clock = clock
        self._wake = asyncio.Event()
        self._describe = describe
        # A logger per relay, bound on first use after its app configured logging (structlog
        # caches loggers): a module-level one would keep writing to the first app's stream.
        self._log = structlog.get_logger(__name__)

    def wake(self) -> None:
        """Tell the relay that a message is waiting."""
        self._wake.set()

    async def run(self) -> None:
        """Relay forever; errors (a database hiccup) are logged and retried after a pause."""
        self._log.info("mail relay running", relay=self._describe)
        while True:
            try:
                handled = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                self._log.exception("mail relay failed; retrying")
                handled = 0
                await asyncio.sleep(self._idle_poll_seconds)
            if handled < self._batch_size:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._idle_poll_seconds):
                        await self._wake.wait()

    async def relay_once(self) -> int:
        """Try each due message once; how many were tried."""
        async with self._sessions() as session:
            due = await mail_store.due_mail(session, now=self._clock(), limit=self._batch_size)
        tried = 0
        for message_id in due:
            now = self._clock()
            async with transaction(self._sessions) as session:
                claimed = await mail_store.claim(
                    session, message_id=message_id, now=now, lease_until=now + self._lease
                )
            if claimed is not None:
                await self._deliver(claimed)
                tried += 1
        return tried

    async def _deliver(self, mail: ClaimedMail) -> None:
        now = self._clock()
        if mail.expires_at is not None and mail.expires_at <= now:
            await self._give_up(mail, "expired before delivery")
            return
        body = self._body(mail)
        if body is None:
            await self._give_up(mail, "body cannot be decrypted with the current key")
            return
        try:
            async with asyncio.timeout(self._send_timeout.total_seconds()):
                await self._transport.send(to=mail.to, subject=mail.subject, body=body)
        except MailDeliveryError as exc:
            await self._failed(mail, exc.reason, permanent=exc.permanent)
            return
        except TimeoutError:
            await self._failed(mail, "send timed out", permanent=False)
            return
        except Exception as exc:
            # Not logged with its traceback: an exception's text may quote the address.
            await self._failed(mail, f"unexpected {type(exc).__name__}", permanent=False)
            return
        async with transaction(self._sessions) as session:
            await mail_store.mark_sent(session, message_id=mail.message_id, at=self._clock())
        self._log.info("mail sent", message_id=mail.message_id, attempts=mail.attempts)

    def _body(self, mail: ClaimedMail) -> str | None:
        if mail.body_encrypted is None:
            return None
        try:
            return self._box.decrypt(mail.body_encrypted)
        except ValueError:
            return None

    async def _failed(self, mail: ClaimedMail, reason: str, *, permanent: bool) -> None:
        if permanent or mail.attempts >= self._max_attempts:
            await self._give_up(mail, reason)
            return
        delay = retry_delay(mail.attempts, self._retry_base)
        async with transaction(self._sessions) as session:
            await mail_store.mark_retry(
                session,
                message_id=mail.message_id,
                next_attempt_at=self._clock() + delay,
                error=reason,
            )
        self._log.warning(
            "mail not sent; will retry",
            message_id=mail.message_id,
            attempts=mail.attempts,
            reason=reason,
            retry_in_seconds=delay.total_seconds(),
        )

    async def _give_up(self, mail: ClaimedMail, reason: str) -> None:
        async with transaction(self._sessions) as session:
            await mail_store.mark_failed(session, message_id=mail.message_id, error=reason)
        self._log.error(
            "mail not sent; given up",
            message_id=mail.message_id,
            attempts=mail.attempts,
            reason=reason,
        )


def smtp_mail_relay(
    settings: RegistrySettings, sessions: SessionFactory, box: SecretBox
) -> MailRelay | None:
    """The relay the settings ask for, or None: then mail waits in the outbox (development)."""
    config = settings.smtp()
    if config is None or settings.mail_from is None:
        return None
    return MailRelay(
        sessions,
        box,
        SmtpSender(config, settings.mail_from),
        max_attempts=settings.smtp_max_attempts,
        retry_base=timedelta(seconds=settings.smtp_retry_seconds),
        # A connection, TLS, login and the message: a few network steps, each bounded.
        send_timeout=timedelta(seconds=4 * config.timeout),
        describe=config.describe(),
    )
