"""Two relays on one mail outbox send each message once; leases, expiry, old plain rows."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from registry_audit_builders import migrated
from registry_mail_builders import mail_rows
from sqlalchemy import insert

from cvihub_registry.mail import store as mail_store
from cvihub_registry.mail.domain import MailMessage
from cvihub_registry.mail.mailer import OutboxMailer
from cvihub_registry.mail.relay import MailRelay
from cvihub_registry.models import mail_outbox
from cvihub_runtime.db import transaction
from cvihub_runtime.secretbox import SecretBox, new_fernet_key

pytestmark = pytest.mark.integration


class RecordingTransport:
    """Takes a moment per message, so two relays overlap; remembers what it sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, *, to: str, subject: str, body: str) -> None:
        await asyncio.sleep(0.01)
        self.sent.append(body)


async def test_two_relays_send_each_message_exactly_once(make_database: Any) -> None:
    box = SecretBox(new_fernet_key())
    async with migrated(make_database("registry")) as sessions:
        mailer = OutboxMailer(sessions, box)
        for n in range(12):
            await mailer.send(MailMessage(to=f"p{n}@example.org", subject="s", body=f"body {n}"))
        one, two = RecordingTransport(), RecordingTransport()
        relays = [MailRelay(sessions, box, t, batch_size=50) for t in (one, two)]
        await asyncio.gather(*(relay.relay_once() for relay in relays))
        rows = await mail_rows(sessions)

    assert sorted(one.sent + two.sent) == sorted(f"body {n}" for n in range(12))
    assert one.sent and two.sent, "both relays should have claimed some messages"
    assert {row["status"] for row in rows} == {"sent"}
    assert {row["attempts"] for row in rows} == {1}


async def test_a_live_lease_is_respected_and_a_lapsed_one_taken_over(make_database: Any) -> None:
    box = SecretBox(new_fernet_key())
    now = datetime.now(UTC)
    async with migrated(make_database("registry")) as sessions:
        await OutboxMailer(sessions, box).send(
            MailMessage(to="a@example.org", subject="s", body="b")
        )
        async with transaction(sessions) as session:
            # A relay claimed it and died mid-send.
            assert await mail_store.claim(
                session, message_id=1, now=now, lease_until=now + timedelta(minutes=3)
            )
        transport = RecordingTransport()
        relay_now = MailRelay(sessions, box, transport, clock=lambda: now + timedelta(minutes=1))
        during = await relay_now.relay_once()
        relay_later = MailRelay(sessions, box, transport, clock=lambda: now + timedelta(minutes=4))
        after = await relay_later.relay_once()
        [row] = await mail_rows(sessions)

    assert (during, after) == (0, 1)
    assert transport.sent == ["b"]
    assert (row["status"], row["attempts"]) == ("sent", 2)


async def test_a_code_past_its_expiry_is_not_sent(make_database: Any) -> None:
    box = SecretBox(new_fernet_key())
    past = datetime.now(UTC) - timedelta(seconds=1)
    async with migrated(make_database("registry")) as sessions:
        message = MailMessage(to="a@example.org", subject="s", body="b", expires_at=past)
        await OutboxMailer(sessions, box).send(message)
        transport = RecordingTransport()
        await MailRelay(sessions, box, transport).relay_once()
        [row] = await mail_rows(sessions)

    assert transport.sent == []
    assert (row["status"], row["body"], row["last_error"]) == (
        "failed",
        None,
        "expired before delivery",
    )


async def test_migration_wipes_bodies_stored_in_plain_text(make_database: Any) -> None:
    db = make_database("registry")
    async with migrated(db, "0008_consents") as sessions, transaction(sessions) as session:
        await session.execute(
            insert(mail_outbox).values(
                to_address="a@example.org",
                subject="s",
                body="Your sign-in code is 123456.",
                created_at=datetime.now(UTC),
            )
        )
    async with migrated(db) as sessions:
        [row] = await mail_rows(sessions)
    assert (row["status"], row["body"]) == ("failed", None)
    assert "before 0009" in row["last_error"]


class BrokenTransport:
    """Fails the way a bug would, with an address in the exception's text."""

    async def send(self, *, to: str, subject: str, body: str) -> None:
        raise RuntimeError(f"cannot send to {to}")


async def test_an_unexpected_error_is_retried_and_recorded_without_the_address(
    make_database: Any,
) -> None:
    box = SecretBox(new_fernet_key())
    async with migrated(make_database("registry")) as sessions:
        await OutboxMailer(sessions, box).send(
            MailMessage(to="a@example.org", subject="s", body="b")
        )
        tried = await MailRelay(sessions, box, BrokenTransport()).relay_once()
        [row] = await mail_rows(sessions)

    assert tried == 1
    assert (row["status"], row["attempts"], row["lease_until"]) == ("pending", 1, None)
    assert row["last_error"] == "unexpected RuntimeError"
    assert row["body"] is not None and row["next_attempt_at"] > row["created_at"]
