"""Sending an SMS delivery: one gateway attempt, recorded like a webhook attempt.

The stored body is the notice rendered when the delivery was planned (see sms_notice.py), so
nothing here ever sees event data. Nothing is logged with a number or the text.
"""

import time
from datetime import UTC, datetime

import structlog

from cvihub_notifications.channel_delivery import finish_attempt
from cvihub_notifications.channels import sms_number
from cvihub_notifications.delivery import AttemptOutcome, RetryPolicy
from cvihub_notifications.sms_gateway import SmsDeliveryError, SmsGateway
from cvihub_notifications.sms_notice import HARD_CAP, gsm7_septets
from cvihub_notifications.store import Claimed
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.secretbox import SecretBox

log = structlog.get_logger(__name__)

SMS_ENV = "NOTIFICATIONS_SMS_URL"


async def send_sms_notice(
    *,
    sessions: SessionFactory,
    box: SecretBox,
    gateway: SmsGateway,
    claimed: Claimed,
    policy: RetryPolicy,
) -> AttemptOutcome:
    """Send one SMS delivery and record the attempt; a refused number fails it at once."""
    at = datetime.now(UTC)
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    permanent = False
    try:
        text = box.decrypt(claimed.body_encrypted)
        septets = gsm7_septets(text)
        if septets is None or septets > HARD_CAP:
            raise ValueError("not a notice this hub would send")
        receipt = await gateway.send(to=sms_number(claimed.url), body=text)
        status_code = receipt.status_code
        log.info("sms accepted", delivery_id=claimed.delivery_id, message_id=receipt.message_id)
    except SmsDeliveryError as exc:
        # Codes only, never the number: the gateway's own message may quote it.
        status_code, error, permanent = exc.status_code, exc.reason, exc.permanent
    except ValueError:
        error, permanent = "body or number unusable", True
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
