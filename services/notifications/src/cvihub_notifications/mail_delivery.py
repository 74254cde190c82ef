"""Sending an e-mail delivery: one SMTP attempt, recorded like a webhook attempt.

The stored body is the notice rendered when the delivery was planned (see channels.py), so
nothing here ever sees event data. Nothing is logged with an address or the text.
"""

import dataclasses
import random
import time
from datetime import UTC, datetime

from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications import channel_store, delivery
from cvihub_notifications.channels import EmailNotice, mail_address
from cvihub_notifications.delivery import AttemptOutcome, RetryPolicy
from cvihub_notifications.store import Claimed
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.mail import MailDeliveryError, SmtpSender
from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.web import Progress

SMTP_ENV = "NOTIFICATIONS_SMTP_URL"
SMTP_OK = 250
"""Recorded as the attempt's status code: SMTP's 2yz replies, like HTTP's, mean success."""


async def send_notice(
    *,
    sessions: SessionFactory,
    box: SecretBox,
    mailer: SmtpSender,
    claimed: Claimed,
    policy: RetryPolicy,
) -> AttemptOutcome:
    """Send one e-mail delivery and record the attempt; a permanent refusal fails it at once."""
    at = datetime.now(UTC)
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    permanent = False
    try:
        notice = EmailNotice.loads(box.decrypt(claimed.body_encrypted))
        await mailer.send(to=mail_address(claimed.url), subject=notice.subject, body=notice.text)
        status_code = SMTP_OK
    except MailDeliveryError as exc:
        error, permanent = exc.reason, exc.permanent  # codes only, never the address
    except (ValueError, KeyError):
        error, permanent = "body or address unusable", True
    if permanent:
        # Retrying cannot help (mailbox refused with 5xx, unreadable body): this is the last.
        policy = dataclasses.replace(policy, max_attempts=claimed.attempts + 1)
    return await delivery.complete_attempt(
        sessions=sessions,
        claimed=claimed,
        at=at,
        status_code=status_code,
        error=error,
        duration_ms=int((time.perf_counter() - started) * 1000),
        policy=policy,
        rand=random.random(),
    )


def email_progress(progress: Progress, sessions: SessionFactory, *, configured: bool) -> Progress:
    """`progress` plus, for /health, whether e-mail is configured and how many notices wait."""

    async def with_email() -> dict[str, int]:
        counts = await progress()
        async with sessions() as session:
            pending = await channel_store.pending_count(session, Channel.EMAIL)
        return {**counts, "email_configured": int(configured), "email_pending": pending}

    return with_email
