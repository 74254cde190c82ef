"""When a failed attempt is tried again: a fixed schedule with jitter (Svix's by default), a
receiver's Retry-After honoured, and when a delivery gives up (a dead letter).

Pure: no I/O."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from cvihub_notifications.models import DeliveryStatus

RETRY_AFTER_STATUSES = frozenset({429, 503})
"""Answers whose Retry-After header says when to come back."""


@dataclass(frozen=True)
class RetryPolicy:
    """Delays before each retry after the first attempt, varied by `jitter` (a share, +/-)."""

    schedule_seconds: tuple[float, ...]
    jitter: float = 0.1
    time_scale: float = 1.0
    retry_after_max_seconds: float = 36000.0
    disable_after_seconds: float | None = None
    """An endpoint with no successful attempt for this long is disabled (None: never)."""

    @property
    def max_attempts(self) -> int:
        """The first attempt and one per scheduled retry."""
        return len(self.schedule_seconds) + 1

    @property
    def disable_after(self) -> timedelta | None:
        """How long an endpoint may fail without a success, scaled like the schedule."""
        if self.disable_after_seconds is None:
            return None
        return timedelta(seconds=self.disable_after_seconds * self.time_scale)


@dataclass(frozen=True)
class AttemptOutcome:
    """What follows an attempt."""

    status: DeliveryStatus
    next_attempt_at: datetime | None


def retry_delay(*, attempt: int, policy: RetryPolicy, rand: float) -> float:
    """The delay after failed attempt n (n >= 1): the schedule's n-th, scaled and jittered by
    rand in [0, 1] to within +/- `jitter` of it, so retries of a burst spread out."""
    index = min(max(attempt - 1, 0), len(policy.schedule_seconds) - 1)
    base = policy.schedule_seconds[index] * policy.time_scale
    spread = 2 * min(max(rand, 0.0), 1.0) - 1  # in [-1, 1]
    return max(0.0, base * (1 + policy.jitter * spread))


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait per a Retry-After header (delta-seconds or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


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
    permanent: bool = False,
    retry_after: float | None = None,
) -> AttemptOutcome:
    """Delivered, another try later, or failed for good (`permanent`: retrying cannot help).

    `retry_after` (from a 429 or 503) puts the next try no earlier than the receiver asked,
    up to the policy's cap; it does not add attempts."""
    if is_success(status_code):
        return AttemptOutcome(status=DeliveryStatus.DELIVERED, next_attempt_at=None)
    if permanent or attempt_no >= policy.max_attempts:
        return AttemptOutcome(status=DeliveryStatus.FAILED, next_attempt_at=None)
    delay = retry_delay(attempt=attempt_no, policy=policy, rand=rand)
    if retry_after is not None and status_code in RETRY_AFTER_STATUSES:
        delay = max(delay, min(retry_after, policy.retry_after_max_seconds))
    return AttemptOutcome(
        status=DeliveryStatus.PENDING, next_attempt_at=now + timedelta(seconds=delay)
    )
