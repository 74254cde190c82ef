"""Per-endpoint lanes: a cap on requests in flight and a circuit breaker per endpoint."""

from cvihub_notifications.lanes import Lanes, is_healthy


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lanes(clock: Clock) -> Lanes:
    return Lanes(per_endpoint=2, failures=3, cooldown_seconds=10, clock=clock)


def test_a_full_lane_blocks_only_its_endpoint() -> None:
    lane = lanes(Clock())
    lane.started("a")
    assert lane.blocked() == []
    lane.started("a")
    lane.started("b")
    assert lane.blocked() == ["a"]
    assert lane.occupied() == {"a": 2, "b": 1}
    lane.finished("a", healthy=True)
    assert lane.blocked() == []


def test_failures_in_a_row_open_the_breaker_then_one_trial_closes_it() -> None:
    clock = Clock()
    lane = lanes(clock)
    for _ in range(2):
        lane.started("a")
        lane.finished("a", healthy=False)
    assert lane.blocked() == []  # two failures: still closed
    lane.started("a")
    lane.finished("a", healthy=False)
    assert lane.blocked() == ["a"]  # open
    clock.now = 10.5
    assert lane.blocked() == []  # half-open: one trial
    assert lane.occupied() == {"a": 1}  # room for one request only
    lane.started("a")
    assert lane.blocked() == ["a"]  # the trial is in flight
    lane.finished("a", healthy=True)
    assert lane.blocked() == [] and lane.occupied() == {}


def test_a_failed_trial_reopens_for_a_new_cooldown() -> None:
    clock = Clock()
    lane = lanes(clock)
    for _ in range(3):
        lane.started("a")
        lane.finished("a", healthy=False)
    clock.now = 11
    lane.started("a")
    lane.finished("a", healthy=False)
    assert lane.blocked() == ["a"]
    clock.now = 20
    assert lane.blocked() == ["a"]
    clock.now = 21.5
    assert lane.blocked() == []


def test_a_success_resets_the_count_and_no_signal_changes_nothing() -> None:
    lane = lanes(Clock())
    for healthy in (False, False, True, False, False, None):
        lane.started("a")
        lane.finished("a", healthy=healthy)
    assert lane.blocked() == []


def test_what_counts_as_an_endpoint_being_down() -> None:
    assert not any(is_healthy(code) for code in (None, 500, 502, 503, 429))
    assert all(is_healthy(code) for code in (200, 204, 301, 400, 404, 410))
