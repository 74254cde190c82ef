"""Which sends reached which subscribers; when a cell is behind; which cells are moot."""

from cvihub_bench.cells import Limits, Outcome, behind_reason
from cvihub_bench.plan import QUICK, dominated
from cvihub_bench.tracker import Tracker


def test_latency_counts_first_arrival_per_subscriber_only() -> None:
    tracker = Tracker(expected_per_key=2)
    tracker.sent("a", 10.0)
    tracker.arrived([("s1", "a", 10.010), ("s1", "a", 10.500), ("s2", "a", 10.020)])
    assert tracker.duplicates == 1
    assert (tracker.expected, tracker.delivered, tracker.outstanding) == (2, 2, 0)
    assert [round(x, 3) for x in sorted(tracker.latencies_ms())] == [10.0, 20.0]


def test_arrival_before_the_acknowledgement_is_kept() -> None:
    tracker = Tracker(expected_per_key=1)
    tracker.arrived([("s1", "a", 5.0)])
    tracker.sent("a", 5.002)
    assert tracker.outstanding == 0
    assert tracker.oldest_outstanding_age(100.0) == 0.0


def test_other_runs_keys_do_not_count() -> None:
    tracker = Tracker(expected_per_key=1)
    tracker.sent("mine", 1.0)
    tracker.arrived([("s1", "someone-elses", 1.1)])
    assert tracker.delivered == 0 and tracker.outstanding == 1


def test_behind_when_the_oldest_outstanding_send_is_too_old() -> None:
    tracker = Tracker(expected_per_key=1)
    tracker.sent("a", 10.0)
    tracker.sent("b", 11.0)
    limits = Limits(lag_s=2.0, drain_s=5.0)
    assert behind_reason(tracker, Outcome(), now=11.5, limits=limits) is None
    assert behind_reason(tracker, Outcome(), now=12.5, limits=limits) is not None
    tracker.arrived([("s", "a", 12.4)])
    assert tracker.oldest_outstanding_age(12.5) == 1.5
    assert behind_reason(tracker, Outcome(), now=12.5, limits=limits) is None


def test_behind_when_sends_fail() -> None:
    outcome = Outcome()
    outcome.statuses.update({"ok": 18, "503": 2})
    limits = Limits(lag_s=2.0, drain_s=5.0, error_share=0.05)
    assert behind_reason(Tracker(expected_per_key=1), outcome, now=0, limits=limits) is not None
    outcome.statuses["ok"] += 30
    assert behind_reason(Tracker(expected_per_key=1), outcome, now=0, limits=limits) is None


def test_cells_run_lightest_first_and_failures_make_heavier_ones_moot() -> None:
    cells = QUICK.cells()
    loads = [rate * subs for rate, subs in cells]
    assert loads == sorted(loads) and len(cells) == 9
    assert 1 in QUICK.groups and QUICK.fan_out_to in QUICK.groups
    assert dominated((200, 25), [(50, 25)]) == (50, 25)
    assert dominated((200, 1), [(50, 25)]) is None
    assert dominated((10, 100), [(50, 25)]) is None
