"""What a receiver's answer means for a webhook delivery."""

from datetime import UTC, datetime

import httpx
import pytest

from cvihub_notifications.channels.webhook import outcome_of

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


@pytest.mark.parametrize("status", [200, 202, 204, 299])
def test_2xx_delivers(status: int) -> None:
    sent = outcome_of(answer(status), now=NOW)
    assert (sent.status_code, sent.error, sent.permanent) == (status, None, False)


def test_410_gone_fails_for_good_and_disables_the_endpoint() -> None:
    sent = outcome_of(answer(410), now=NOW)
    assert sent.permanent and sent.disable_endpoint
    assert sent.error == "HTTP 410 Gone"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_failures_never_followed(status: int) -> None:
    sent = outcome_of(answer(status, location="http://169.254.169.254/"), now=NOW)
    assert sent.error == f"HTTP {status} (redirects are not followed)"
    assert not sent.permanent and not sent.disable_endpoint


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_read_on_429_and_503(status: int) -> None:
    assert outcome_of(answer(status, **{"retry-after": "7"}), now=NOW).retry_after == 7
    assert outcome_of(answer(status), now=NOW).retry_after is None


def test_retry_after_elsewhere_and_other_errors_are_plain_failures() -> None:
    for status in (400, 404, 500, 502):
        sent = outcome_of(answer(status, **{"retry-after": "7"}), now=NOW)
        assert (sent.error, sent.retry_after, sent.permanent) == (f"HTTP {status}", None, False)
