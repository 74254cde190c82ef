"""Small-cell suppression of the aggregates: primary (1 to 10) and secondary."""

from datetime import timedelta

from cvihub_referrals.aggregates import durations, suppress


def test_a_small_cell_is_hidden_and_so_is_a_second_one_in_its_row() -> None:
    shown = suppress({"org": {"completed": 5, "failed": 20, "canceled": 0, "total": 25}})
    # 5 is hidden; with the total shown 5 = 25 - 20, so the next smallest goes too.
    assert shown == {"org": {"completed": None, "failed": None, "canceled": 0, "total": 25}}


def test_large_cells_and_zeros_are_shown() -> None:
    rows = {"a": {"completed": 11, "failed": 0, "total": 11}, "b": {"completed": 30, "total": 30}}
    assert suppress(rows) == rows


def test_a_median_needs_eleven_values_and_buckets_are_suppressed() -> None:
    ten = durations([timedelta(minutes=10)] * 10)
    assert (ten.count, ten.median_seconds) == (None, None)
    eleven = durations([timedelta(minutes=10)] * 11)
    assert (eleven.count, eleven.median_seconds) == (11, 600.0)
    assert eleven.distribution["under-30m"] == 11 and eleven.distribution["over-2d"] == 0
    mixed = durations([timedelta(minutes=10)] * 12 + [timedelta(days=3)])
    # One late value is hidden, and the 12 with it: 13 - 12 would give it away.
    assert mixed.distribution["over-2d"] is None and mixed.distribution["under-30m"] is None
    assert mixed.count == 13
