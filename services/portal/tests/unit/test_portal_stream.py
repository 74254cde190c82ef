"""The live feed's framing and resume: ids are inbox item ids, and Last-Event-ID skips what the
phone has already seen."""

from cvihub_portal.stream import newer_than, sse


def item(item_id: str, at: str) -> dict[str, str]:
    return {"item_id": item_id, "received_at": at, "event_type": "org.cvihub.x"}


ITEMS = [
    item("c", "2026-01-01T10:03"),
    item("a", "2026-01-01T10:01"),
    item("b", "2026-01-01T10:02"),
]


def test_resuming_gives_only_what_came_after_the_last_event_oldest_first() -> None:
    assert [i["item_id"] for i in newer_than(ITEMS, "a")] == ["b", "c"]
    assert newer_than(ITEMS, "c") == []
    assert [i["item_id"] for i in newer_than(ITEMS, None)] == ["a", "b", "c"]


def test_an_event_names_its_item_and_type() -> None:
    frame = sse(item("a", "2026-01-01T10:01")).decode()
    assert frame.startswith("id: a\nevent: org.cvihub.x\ndata: {")
    assert frame.endswith("}\n\n")
