"""How the registry sends email: a Mailer interface and its default, the mail outbox table."""

from typing import Protocol

from cvihub_registry import people_store
from cvihub_registry.people import MailMessage
from cvihub_runtime.db import SessionFactory, transaction


class Mailer(Protocol):
    """Sends one email; raises if it cannot."""

    async def send(self, message: MailMessage) -> None:
        """Send (or queue) the message."""


class OutboxMailer:
    """Keeps messages in the `mail_outbox` table; real delivery (SMTP) is later work."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def send(self, message: MailMessage) -> None:
        """Store the message in the mail outbox."""
        async with transaction(self._sessions) as session:
            await people_store.add_mail(session, message)
