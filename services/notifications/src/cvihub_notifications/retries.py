"""When a failed attempt is tried again: back-off with jitter, and when a delivery gives up.

Pure: no I/O."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from cvihub_notifications.models import DeliveryStatus


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
    permanent: bool = False,
) -> AttemptOutcome:
    """Delivered, another try later, or failed for good (`permanent`: retrying cannot help)."""
    if is_success(status_code):
        return AttemptOutcome(status=DeliveryStatus.DELIVERED, next_attempt_at=None)
    if permanent or attempt_no >= policy.max_attempts:
        return AttemptOutcome(status=DeliveryStatus.FAILED, next_attempt_at=None)
    delay = retry_delay(attempt=attempt_no, policy=policy, rand=rand)
    return AttemptOutcome(
        status=DeliveryStatus.PENDING, next_attempt_at=now + timedelta(seconds=delay)
    )
