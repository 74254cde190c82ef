"""Percentiles, summaries and ratios of the bench report."""

import pytest

from cvihub_bench.stats import percentile, ratio, summarize


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


def test_percentile_ignores_input_order() -> None:
    assert percentile([30.0, 10.0, 20.0], 50) == 20.0


@pytest.mark.parametrize("q", [0, -1, 101])
def test_percentile_refuses_out_of_range(q: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0], q)


def test_summary_of_nothing_is_none() -> None:
    assert summarize([]) is None


def test_summary_and_ratio() -> None:
    hub = summarize([10.0, 20.0, 30.0, 40.0])
    floor = summarize([5.0, 5.0, 10.0, 10.0])
    assert hub is not None and floor is not None
    assert (hub.count, hub.p50, hub.max, hub.mean) == (4, 20.0, 40.0, 25.0)
    assert ratio(hub, floor, "p50") == 4.0
    assert ratio(hub, floor, "p99") == 4.0
    assert ratio(hub, None, "p50") is None
    assert hub.as_dict()["p95"] == 40.0
