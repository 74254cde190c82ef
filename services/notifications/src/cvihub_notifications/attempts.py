"""Attempts: taking due deliveries, checking before each one that the partner may still
receive, and recording how it ended."""

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import structlog

from cvihub_contracts import GrantAction
from cvihub_contracts.registry.changes_v1 import EntityStatus
from cvihub_notifications import endpoint_health, endpoint_store, notices, queue_store, store
from cvihub_notifications.channels.base import Sent
from cvihub_notifications.consent import QuotedConsent, quoted_refusal
from cvihub_notifications.lanes import Lanes
from cvihub_notifications.models import DeliveryStatus, registry_copy
from cvihub_notifications.queue_store import Claimed
from cvihub_notifications.retries import AttemptOutcome, RetryPolicy, after_attempt
from cvihub_notifications.routing import stream_of
from cvihub_runtime.db import SessionFactory, transaction

log = structlog.get_logger(__name__)


async def claim_due(
    *,
    sessions: SessionFactory,
    now: datetime,
    limit: int,
    lease_seconds: float,
    skip_channels: Collection[str] = (),
    lanes: Lanes | None = None,
) -> list[Claimed]:
    """Take due deliveries for this worker; a crashed worker's claims come due after the lease.

    `skip_channels`: channels it cannot send now (e-mail without SMTP); they stay pending.
    `lanes`: endpoints whose breaker is open or lane is full are left for later."""
    async with transaction(sessions) as session:
        return await queue_store.claim_due(
            session,
            now=now,
            limit=limit,
            lease_until=now + timedelta(seconds=lease_seconds),
            skip_channels=skip_channels,
            blocked=lanes.blocked() if lanes is not None else (),
            in_flight=lanes.occupied() if lanes is not None else None,
            endpoint_cap=lanes.per_endpoint if lanes is not None else None,
        )


def _quoted(claimed: Claimed) -> QuotedConsent | None:
    if claimed.consent_id is None or claimed.consent_custodian_id is None:
        return None
    return QuotedConsent(claimed.consent_id, claimed.consent_custodian_id, claimed.partner_id)


async def still_entitled(
    *, sessions: SessionFactory, claimed: Claimed, rotation_grace: timedelta = timedelta(0)
) -> list[str] | None:
    """The subscription's signing secrets (encrypted; the current one, then any replaced
    within `rotation_grace`) if the partner may still receive; else close the delivery.

    Checked before every attempt: subscription active, endpoint not disabled, subscribe grant
    in force, and the consent record the delivery rests on (stored when planned) still
    covering it."""
    stream = stream_of(event_type=claimed.event_type)
    quoted = _quoted(claimed)
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        state = await store.subscription_state(session, claimed.subscription_id)
        disabled = await endpoint_store.disabled_reason(session, claimed.subscription_id)
        consent_reason = None
        if quoted is not None:
            record = await registry_copy.consent(session, quoted.consent_id)
            consent_reason = quoted_refusal(quoted, record=record, now=now)
        if state is None or state.status != EntityStatus.ACTIVE.value:
            reason = "subscription no longer active"
        elif disabled is not None:
            reason = f"endpoint disabled: {disabled}"
        elif stream is None or not await registry_copy.is_granted(
            session, claimed.partner_id, stream, GrantAction.SUBSCRIBE
        ):
            reason = "subscribe grant no longer active"
        elif consent_reason is not None:
            reason = consent_reason
        else:
            previous: list[str] = []
            if rotation_grace > timedelta(0):
                previous = await endpoint_store.recent_secrets(
                    session, subscription_id=claimed.subscription_id, since=now - rotation_grace
                )
            return [state.secret_encrypted, *previous]
        await queue_store.close_delivery(
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
    sent: Sent,
    duration_ms: int,
    policy: RetryPolicy,
    rand: float,
) -> AttemptOutcome:
    """Record an attempt and decide what follows it."""
    attempt_no = claimed.attempts + 1
    outcome = after_attempt(
        attempt_no=attempt_no,
        status_code=sent.status_code,
        now=at,
        policy=policy,
        rand=rand,
        permanent=sent.permanent,
        retry_after=sent.retry_after,
    )
    async with transaction(sessions) as session:
        disabled = await endpoint_health.after_attempt(
            session,
            claimed=claimed,
            at=at,
            gone=(sent.error or "gone") if sent.disable_endpoint else None,
            succeeded=outcome.status is DeliveryStatus.DELIVERED,
            disable_after=policy.disable_after,
        )
        await notices.after_attempt(
            session,
            claimed=claimed,
            at=at,
            failed=outcome.status is DeliveryStatus.FAILED,
            error=sent.error,
            disabled=disabled,
        )
        await queue_store.record_attempt(
            session,
            delivery_id=claimed.delivery_id,
            attempt_no=attempt_no,
            at=at,
            status_code=sent.status_code,
            error=sent.error,
            duration_ms=duration_ms,
            status=outcome.status.value,
            next_attempt_at=outcome.next_attempt_at,
            delivered_at=at if outcome.status is DeliveryStatus.DELIVERED else None,
        )
    if disabled is not None:
        log.warning(
            "endpoint disabled", subscription_id=claimed.subscription_id, reason=disabled.reason
        )
    log.info(
        "delivery attempted",
        delivery_id=claimed.delivery_id,
        event_id=claimed.event_id,
        attempt=attempt_no,
        status_code=sent.status_code,
        error=sent.error,
        outcome=outcome.status.value,
    )
    return outcome
