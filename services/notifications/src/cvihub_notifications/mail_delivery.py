"""Sending an e-mail delivery: one SMTP attempt, recorded like a webhook attempt.

The stored body is the notice rendered when the delivery was planned (see channels.py), so
nothing here ever sees event data. Nothing is logged with an address or the text.
"""

import time
from datetime import UTC, datetime

from cvihub_notifications.channel_delivery import finish_attempt
from cvihub_notifications.channels import EmailNotice, mail_address
from cvihub_notifications.delivery import AttemptOutcome, RetryPolicy
from cvihub_notifications.store import Claimed
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.mail import MailDeliveryError, SmtpSender
from cvihub_runtime.secretbox import SecretBox

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
    return await finish_attempt(
        sessions=sessions,
        claimed=claimed,
        policy=policy,
        at=at,
        started=started,
        status_code=status_code,
        error=error,
        permanent=permanent,
    )
