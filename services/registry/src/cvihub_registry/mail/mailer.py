"""How the registry sends email: a Mailer interface and its default, the mail outbox table."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from cvihub_registry.mail import store as mail_store
from cvihub_registry.mail.domain import MailMessage
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.secretbox import SecretBox


class Mailer(Protocol):
    """Sends one email; raises if it cannot."""

    async def send(self, message: MailMessage) -> None:
        """Send (or queue) the message."""


class OutboxMailer:
    """Queues messages, body encrypted, in `mail_outbox`; the mail relay delivers them."""

    def __init__(
        self, sessions: SessionFactory, box: SecretBox, wake: Callable[[], None] | None = None
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._wake = wake

    async def send(self, message: MailMessage) -> None:
        """Store the message in the mail outbox and wake the relay (if one runs)."""
        encrypted = self._box.encrypt(message.body)
        async with transaction(self._sessions) as session:
            await mail_store.add_mail(
                session, message, body_encrypted=encrypted, now=datetime.now(UTC)
            )
        if self._wake is not None:
            self._wake()
