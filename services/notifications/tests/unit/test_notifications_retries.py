"""When a failed delivery is tried again, and when it gives up."""

from datetime import timedelta
from email.utils import format_datetime

import pytest
from notifications_builders import NOW

from cvihub_notifications.endpoint_health import failing_too_long
from cvihub_notifications.models import DeliveryStatus
from cvihub_notifications.retries import (
    RetryPolicy,
    after_attempt,
    is_success,
    parse_retry_after,
    retry_delay,
)
from cvihub_notifications.settings import SVIX_SCHEDULE

POLICY = RetryPolicy(schedule_seconds=SVIX_SCHEDULE, jitter=0.1)


def test_the_default_schedule_is_svixs_after_an_immediate_first_attempt() -> None:
    unjittered = RetryPolicy(schedule_seconds=SVIX_SCHEDULE, jitter=0.0)
    delays = [retry_delay(attempt=n, policy=unjittered, rand=0.5) for n in range(1, 8)]
    assert delays == [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]
    assert unjittered.max_attempts == 8


@pytest.mark.parametrize("attempt", [1, 2, 4, 7])
def test_jitter_stays_within_its_share_of_the_scheduled_delay(attempt: int) -> None:
    base = SVIX_SCHEDULE[attempt - 1]
    delays = [retry_delay(attempt=attempt, policy=POLICY, rand=r) for r in (0.0, 0.3, 0.5, 1.0)]
    assert min(delays) == pytest.approx(base * 0.9)
    assert max(delays) == pytest.approx(base * 1.1)
    assert len(set(delays)) == 4


def test_the_time_scale_compresses_the_schedule() -> None:
    fast = RetryPolicy(schedule_seconds=SVIX_SCHEDULE, jitter=0.0, time_scale=0.001)
    assert retry_delay(attempt=2, policy=fast, rand=0.5) == pytest.approx(0.3)


def test_only_2xx_is_success() -> None:
    assert is_success(200) and is_success(204)
    assert not any(is_success(code) for code in (None, 199, 301, 302, 307, 404, 410, 500))


def test_success_delivers() -> None:
    outcome = after_attempt(attempt_no=3, status_code=202, now=NOW, policy=POLICY, rand=0.5)
    assert outcome.status is DeliveryStatus.DELIVERED
    assert outcome.next_attempt_at is None


@pytest.mark.parametrize("status_code", [500, 302, 307, None])
def test_failure_and_redirects_schedule_the_next_retry(status_code: int | None) -> None:
    outcome = after_attempt(attempt_no=2, status_code=status_code, now=NOW, policy=POLICY, rand=0.5)
    assert outcome.status is DeliveryStatus.PENDING
    assert outcome.next_attempt_at == NOW + timedelta(seconds=300)


def test_the_last_scheduled_attempt_failing_makes_a_dead_letter() -> None:
    outcome = after_attempt(attempt_no=8, status_code=503, now=NOW, policy=POLICY, rand=0.3)
    assert outcome.status is DeliveryStatus.FAILED
    assert outcome.next_attempt_at is None
    before_last = after_attempt(attempt_no=7, status_code=503, now=NOW, policy=POLICY, rand=0.3)
    assert before_last.status is DeliveryStatus.PENDING


def test_a_permanent_failure_is_not_retried() -> None:
    outcome = after_attempt(
        attempt_no=1, status_code=410, now=NOW, policy=POLICY, rand=0.5, permanent=True
    )
    assert outcome.status is DeliveryStatus.FAILED


@pytest.mark.parametrize("status_code", [429, 503])
def test_retry_after_on_429_and_503_is_honoured_up_to_the_cap(status_code: int) -> None:
    later = after_attempt(
        attempt_no=1, status_code=status_code, now=NOW, policy=POLICY, rand=0.5, retry_after=120
    )
    assert later.next_attempt_at == NOW + timedelta(seconds=120)
    # Never earlier than the schedule, never past the cap.
    sooner = after_attempt(
        attempt_no=2, status_code=status_code, now=NOW, policy=POLICY, rand=0.5, retry_after=1
    )
    assert sooner.next_attempt_at == NOW + timedelta(seconds=300)
    capped = RetryPolicy(schedule_seconds=(5.0,), jitter=0.0, retry_after_max_seconds=60)
    huge = after_attempt(
        attempt_no=1, status_code=status_code, now=NOW, policy=capped, rand=0.5, retry_after=1e9
    )
    assert huge.next_attempt_at == NOW + timedelta(seconds=60)


def test_retry_after_on_other_statuses_is_ignored() -> None:
    outcome = after_attempt(
        attempt_no=1, status_code=500, now=NOW, policy=POLICY, rand=0.5, retry_after=120
    )
    assert outcome.next_attempt_at == NOW + timedelta(seconds=5)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("120", now=NOW) == 120
    assert (
        parse_retry_after(format_datetime(NOW + timedelta(seconds=90), usegmt=True), now=NOW) == 90
    )
    assert (
        parse_retry_after(format_datetime(NOW - timedelta(seconds=90), usegmt=True), now=NOW) == 0
    )
    assert parse_retry_after(None, now=NOW) is None
    assert parse_retry_after("soon", now=NOW) is None
    assert parse_retry_after("-5", now=NOW) is None


def test_the_time_of_total_failure_is_compressed_like_the_schedule() -> None:
    policy = RetryPolicy(schedule_seconds=(5.0,), time_scale=0.001, disable_after_seconds=432000)
    assert policy.disable_after == timedelta(seconds=432)
    assert RetryPolicy(schedule_seconds=(5.0,)).disable_after is None
    assert failing_too_long(timedelta(days=5)) == "no successful attempt for 5 days"
    assert failing_too_long(timedelta(seconds=1.5)) == "no successful attempt for 1.5 s"
