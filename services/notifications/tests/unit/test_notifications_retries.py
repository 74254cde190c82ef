"""When a failed delivery is tried again, and when it gives up."""

import itertools
from datetime import timedelta

import pytest
from notifications_builders import NOW

from cvihub_notifications.models import DeliveryStatus
from cvihub_notifications.retries import (
    RetryPolicy,
    after_attempt,
    backoff_ceiling,
    is_success,
    retry_delay,
)

POLICY = RetryPolicy(base_seconds=1.0, max_seconds=3600.0, max_attempts=10)


def test_backoff_doubles_and_is_capped() -> None:
    ceilings = [
        backoff_ceiling(attempt=n, base_seconds=1.0, max_seconds=3600.0) for n in range(1, 30)
    ]
    assert ceilings[:4] == [1.0, 2.0, 4.0, 8.0]
    assert all(a <= b for a, b in itertools.pairwise(ceilings))
    assert max(ceilings) == 3600.0
    assert backoff_ceiling(attempt=10_000, base_seconds=1.0, max_seconds=3600.0) == 3600.0


@pytest.mark.parametrize("attempt", [1, 2, 5, 12, 40])
def test_jitter_stays_within_half_to_full_ceiling(attempt: int) -> None:
    ceiling = backoff_ceiling(attempt=attempt, base_seconds=1.0, max_seconds=3600.0)
    delays = [
        retry_delay(attempt=attempt, policy=POLICY, rand=r) for r in (0.0, 0.25, 0.5, 0.999, 1.0)
    ]
    assert min(delays) == ceiling / 2
    assert max(delays) == ceiling
    assert len(set(delays)) > 1


def test_jittered_delays_never_shrink_before_the_cap() -> None:
    for attempt in range(1, 12):
        worst_now = retry_delay(attempt=attempt, policy=POLICY, rand=1.0)
        best_next = retry_delay(attempt=attempt + 1, policy=POLICY, rand=0.0)
        assert best_next >= worst_now


def test_only_2xx_is_success() -> None:
    assert is_success(200) and is_success(204)
    assert not any(is_success(code) for code in (None, 199, 301, 302, 404, 500))


def test_success_delivers() -> None:
    outcome = after_attempt(attempt_no=3, status_code=202, now=NOW, policy=POLICY, rand=0.5)
    assert outcome.status is DeliveryStatus.DELIVERED
    assert outcome.next_attempt_at is None


@pytest.mark.parametrize("status_code", [500, 302, None])
def test_failure_schedules_a_retry_within_the_backoff(status_code: int | None) -> None:
    outcome = after_attempt(attempt_no=3, status_code=status_code, now=NOW, policy=POLICY, rand=0.3)
    assert outcome.status is DeliveryStatus.PENDING
    assert outcome.next_attempt_at is not None
    assert NOW + timedelta(seconds=2) <= outcome.next_attempt_at <= NOW + timedelta(seconds=4)


def test_last_allowed_attempt_failing_fails_the_delivery() -> None:
    outcome = after_attempt(attempt_no=10, status_code=503, now=NOW, policy=POLICY, rand=0.3)
    assert outcome.status is DeliveryStatus.FAILED
    assert outcome.next_attempt_at is None
    before_last = after_attempt(attempt_no=9, status_code=503, now=NOW, policy=POLICY, rand=0.3)
    assert before_last.status is DeliveryStatus.PENDING
