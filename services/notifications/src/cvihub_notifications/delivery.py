"""Use cases of sending: signing, back-off, claims and attempt records."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from standardwebhooks.webhooks import Webhook

from cvihub_contracts import GrantAction
from cvihub_contracts.registry.changes_v1 import EntityStatus
from cvihub_notifications import store
from cvihub_notifications.consent import QuotedConsent, quoted_refusal
from cvihub_notifications.models import registry_copy
from cvihub_notifications.service import CLOUDEVENTS_JSON, USER_AGENT, DeliveryStatus, stream_of
from cvihub_notifications.store import Claimed
from cvihub_runtime.db import SessionFactory, transaction

log = structlog.get_logger(__name__)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with jitter, up to a number of attempts."""

    base_seconds: float
    max_seconds: float
    max_attempts: int


@dataclass(frozen=True)
class AttemptOutcome:
    """What follows an attempt."""

    status: DeliveryStatus
    next_attempt_at: datetime | None


def webhook_headers(*, secret: str, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """Standard Webhooks headers signing `body` for this attempt."""
    timestamp = int(_aware(at).timestamp())
    signed_at = datetime.fromtimestamp(timestamp, UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": Webhook(secret).sign(msg_id, signed_at, body.decode()),
        "content-type": CLOUDEVENTS_JSON,
        "user-agent": USER_AGENT,
    }


def backoff_ceiling(*, attempt: int, base_seconds: float, max_seconds: float) -> float:
    """The delay after failed attempt n before jitter: base * 2^(n-1), capped."""
    exponent = min(max(attempt - 1, 0), 60)  # past 2^60 the cap has long applied
    return float(min(max_seconds, base_seconds * 2.0**exponent))


def retry_delay(*, attempt: int, policy: RetryPolicy, rand: float) -> float:
    """The jittered delay after failed attempt n, in [ceiling/2, ceiling] for rand in [0, 1]."""
    ceiling = backoff_ceiling(
        attempt=attempt, base_seconds=policy.base_seconds, max_seconds=policy.max_seconds
    )
    # "Equal jitter": spreads retries of many deliveries while keeping a floor under each one.
    return ceiling / 2 + (ceiling / 2) * min(max(rand, 0.0), 1.0)


def is_success(status_code: int | None) -> bool:
    """Only a 2xx answer counts (redirects are not followed)."""
    return status_code is not None and 200 <= status_code < 300


def after_attempt(
    *,
    attempt_no: int,
    status_code: int | None,
    now: datetime,
    policy: RetryPolicy,
    rand: float,
) -> AttemptOutcome:
    """Delivered, another try later, or failed for good."""
    if is_success(status_code):
        return AttemptOutcome(status=DeliveryStatus.DELIVERED, next_attempt_at=None)
    if attempt_no >= policy.max_attempts:
        return AttemptOutcome(status=DeliveryStatus.FAILED, next_attempt_at=None)
    delay = retry_delay(attempt=attempt_no, policy=policy, rand=rand)
    return AttemptOutcome(
        status=DeliveryStatus.PENDING, next_attempt_at=now + timedelta(seconds=delay)
    )


async def claim_due(
    *,
    sessions: SessionFactory,
    now: datetime,
    limit: int,
    lease_seconds: float,
    skip_channels: Collection[str] = (),
) -> list[Claimed]:
    """Take due deliveries for this worker; a crashed worker's claims come due after the lease.

    `skip_channels`: channels it cannot send now (e-mail without SMTP); they stay pending."""
    async with transaction(sessions) as session:
        return await store.claim_due(
            session,
            now=now,
            limit=limit,
            lease_until=now + timedelta(seconds=lease_seconds),
            skip_channels=skip_channels,
        )


async def signing_secret(
    *, sessions: SessionFactory, claimed: Claimed, consent: QuotedConsent | None = None
) -> str | None:
    """The subscription's encrypted secret if the partner may still receive; else close it.

    `consent`: the consent record the delivery quotes, checked again in the registry copy."""
    stream = stream_of(event_type=claimed.event_type)
    async with transaction(sessions) as session:
        state = await store.subscription_state(session, claimed.subscription_id)
        consent_reason = None
        if consent is not None:
            record = await registry_copy.consent(session, consent.consent_id)
            consent_reason = quoted_refusal(consent, record=record, now=datetime.now(UTC))
        if state is None or state.status != EntityStatus.ACTIVE.value:
            reason = "subscription no longer active"
        elif stream is None or not await registry_copy.is_granted(
            session, claimed.partner_id, stream, GrantAction.SUBSCRIBE
        ):
            reason = "subscribe grant no longer active"
        elif consent_reason is not None:
            reason = consent_reason
        else:
            return state.secret_encrypted
        await store.close_delivery(
            session,
            delivery_id=claimed.delivery_id,
            status=DeliveryStatus.FAILED.value,
            error=reason,
        )
    log.info("delivery abandoned", delivery_id=claimed.delivery_id, reason=reason)
    return None


async def complete_attempt(
    *,
    sessions: SessionFactory,
    claimed: Claimed,
    at: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    policy: RetryPolicy,
    rand: float,
) -> AttemptOutcome:
    """Record an attempt and decide what follows it."""
    attempt_no = claimed.attempts + 1
    outcome = after_attempt(
        attempt_no=attempt_no, status_code=status_code, now=at, policy=policy, rand=rand
    )
    async with transaction(sessions) as session:
        await store.record_attempt(
            session,
            delivery_id=claimed.delivery_id,
            attempt_no=attempt_no,
            at=at,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
            status=outcome.status.value,
            next_attempt_at=outcome.next_attempt_at,
            delivered_at=at if outcome.status is DeliveryStatus.DELIVERED else None,
        )
    log.info(
        "delivery attempted",
        delivery_id=claimed.delivery_id,
        event_id=claimed.event_id,
        attempt=attempt_no,
        status_code=status_code,
        error=error,
        outcome=outcome.status.value,
    )
    return outcome
