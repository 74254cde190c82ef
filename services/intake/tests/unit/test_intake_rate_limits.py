"""The per-partner token bucket: a burst, then one request per refill interval."""

from cvihub_intake.ratelimit import RateLimit, RateLimiter


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_refill_rate_with_headers_that_say_so() -> None:
    clock = Clock()
    limiter = RateLimiter(
        default=RateLimit(per_minute=60, burst=3),
        overrides={"big": RateLimit(per_minute=600, burst=50)},
        clock=clock,
    )
    answers = [limiter.take("small") for _ in range(4)]
    assert [allowed for allowed, _ in answers] == [True, True, True, False]
    assert [h["RateLimit-Remaining"] for _, h in answers] == ["2", "1", "0", "0"]
    refused = answers[3][1]
    assert refused["Retry-After"] == "1"
    assert refused["RateLimit-Limit"] == "3"
    assert refused["RateLimit-Policy"] == "3;w=3"
    assert "Retry-After" not in answers[0][1]
    # Another partner has a bucket of its own, and its own override.
    allowed, headers = limiter.take("big")
    assert allowed and headers["RateLimit-Limit"] == "50"

    clock.now += 1.0
    assert limiter.take("small")[0] is True
    assert limiter.take("small")[0] is False
    clock.now += 60
    assert [limiter.take("small")[0] for _ in range(4)] == [True, True, True, False]
