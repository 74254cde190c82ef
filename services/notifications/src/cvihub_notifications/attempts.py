"""Attempts: taking due deliveries, checking before each one that the partner may still
receive, and recording how it ended."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import EntityStatus
from cvihub_notifications import endpoint_health, endpoint_store, notices, queue_store, store
from cvihub_notifications.channels.base import Sent
from cvihub_notifications.consent import QuotedConsent, quoted_refusal
from cvihub_notifications.lanes import Lanes
from cvihub_notifications.metrics import ATTEMPTS
from cvihub_notifications.models import DeliveryStatus, registry_copy
from cvihub_notifications.queue_store import Claimed
from cvihub_notifications.retries import AttemptOutcome, RetryPolicy, after_attempt
from cvihub_notifications.routing import stream_of
from cvihub_registry_copy.consents import ConsentRecord
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.group_commit import GroupCommit

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Ready:
    """A claimed delivery whose partner may still receive it, with the secrets to sign it."""

    claimed: Claimed
    secrets: list[str]
    """The subscription's signing secrets (encrypted): the current one, then any replaced
    within the rotation grace."""


async def claim_due(
    *,
    sessions: SessionFactory,
    now: datetime,
    limit: int,
    lease_seconds: float,
    skip_channels: Collection[str] = (),
    lanes: Lanes | None = None,
    rotation_grace: timedelta = timedelta(0),
) -> list[Ready]:
    """Take due deliveries for this worker and check each may still go; a crashed worker's
    claims come due after the lease. One transaction for the whole batch.

    `skip_channels`: channels it cannot send now (e-mail without SMTP); they stay pending.
    `lanes`: endpoints whose breaker is open or lane is full are left for later. A delivery
    whose partner may no longer receive it is closed as failed here (see `_Entitlement`)."""
    async with transaction(sessions) as session:
        claimed = await queue_store.claim_due(
            session,
            now=now,
            limit=limit,
            lease_until=now + timedelta(seconds=lease_seconds),
            skip_channels=skip_channels,
            blocked=lanes.blocked() if lanes is not None else (),
            in_flight=lanes.occupied() if lanes is not None else None,
            endpoint_cap=lanes.per_endpoint if lanes is not None else None,
        )
        entitlement = _Entitlement(session, now=now, rotation_grace=rotation_grace)
        ready: list[Ready] = []
        abandoned: list[tuple[str, str]] = []
        for one in claimed:
            reason = await entitlement.refusal(one)
            if reason is None:
                ready.append(Ready(one, await entitlement.secrets(one)))
                continue
            await queue_store.close_delivery(
                session,
                delivery_id=one.delivery_id,
                status=DeliveryStatus.FAILED.value,
                error=reason,
            )
            abandoned.append((one.delivery_id, reason))
    for delivery_id, reason in abandoned:
        ATTEMPTS.labels(outcome="abandoned").inc()
        log.info("delivery abandoned", delivery_id=delivery_id, reason=reason)
    return ready


def _quoted(claimed: Claimed) -> QuotedConsent | None:
    if claimed.consent_id is None or claimed.consent_custodian_id is None:
        return None
    return QuotedConsent(claimed.consent_id, claimed.consent_custodian_id, claimed.partner_id)


class _Entitlement:
    """Whether each claimed delivery may still go, checked before every attempt: subscription
    active, endpoint not disabled, subscribe grant in force, and the consent record the
    delivery rests on (stored when planned) still covering it.

    Within one claimed batch each subscription, grant and consent record is read once."""

    def __init__(self, session: AsyncSession, *, now: datetime, rotation_grace: timedelta):
        self._session = session
        self._now = now
        self._rotation_grace = rotation_grace
        self._states: dict[str, store.SubscriptionState | None] = {}
        self._disabled: dict[str, str | None] = {}
        self._granted: dict[tuple[str, Stream], bool] = {}
        self._consents: dict[str, ConsentRecord | None] = {}
        self._previous: dict[str, list[str]] = {}

    async def refusal(self, claimed: Claimed) -> str | None:
        """Why this delivery may no longer go, or None when it may."""
        session, sub = self._session, claimed.subscription_id
        if sub not in self._states:
            self._states[sub] = await store.subscription_state(session, sub)
            self._disabled[sub] = await endpoint_store.disabled_reason(session, sub)
        state, disabled = self._states[sub], self._disabled[sub]
        if state is None or state.status != EntityStatus.ACTIVE.value:
            return "subscription no longer active"
        if disabled is not None:
            return f"endpoint disabled: {disabled}"
        stream = stream_of(event_type=claimed.event_type)
        if stream is None or not await self._is_granted(claimed.partner_id, stream):
            return "subscribe grant no longer active"
        quoted = _quoted(claimed)
        if quoted is None:
            return None
        if quoted.consent_id not in self._consents:
            self._consents[quoted.consent_id] = await registry_copy.consent(
                session, quoted.consent_id
            )
        return quoted_refusal(quoted, record=self._consents[quoted.consent_id], now=self._now)

    async def _is_granted(self, partner_id: str, stream: Stream) -> bool:
        key = (partner_id, stream)
        if key not in self._granted:
            self._granted[key] = await registry_copy.is_granted(
                self._session, partner_id, stream, GrantAction.SUBSCRIBE
            )
        return self._granted[key]

    async def secrets(self, claimed: Claimed) -> list[str]:
        """The current secret, then any replaced within the rotation grace (encrypted)."""
        sub = claimed.subscription_id
        state = self._states[sub]
        assert state is not None  # refusal() returned None: the subscription is active
        if sub not in self._previous:
            self._previous[sub] = (
                await endpoint_store.recent_secrets(
                    self._session, subscription_id=sub, since=self._now - self._rotation_grace
                )
                if self._rotation_grace > timedelta(0)
                else []
            )
        return [state.secret_encrypted, *self._previous[sub]]


async def complete_attempt(
    *,
    commits: GroupCommit,
    claimed: Claimed,
    at: datetime,
    sent: Sent,
    duration_ms: int,
    policy: RetryPolicy,
    rand: float,
) -> AttemptOutcome:
    """Record an attempt and decide what follows it (in a transaction shared with other
    attempts that end at the same time: see GroupCommit)."""
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

    async def record(session: AsyncSession) -> endpoint_health.Disabled | None:
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
        return disabled

    disabled = await commits.run(record)
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
