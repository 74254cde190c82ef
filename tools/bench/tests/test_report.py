"""The report: provisioning seed, receiver verification, Markdown and chart from results."""

import json
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import Webhook

from cvihub_bench.profile import summarize as summarize_profile
from cvihub_bench.provision import bench_seed, new_police_key, plan_subscribers
from cvihub_bench.receiver import Receiver
from cvihub_bench.report import markdown, write
from cvihub_bench.senders import signed_headers


def _cell(rate: float, subs: int, p50: float, **extra: Any) -> dict[str, Any]:
    lat = {"count": 10, "p50": p50, "p95": p50 * 2, "p99": p50 * 3, "max": p50 * 4, "mean": p50}
    return {
        "rate": rate, "subscribers": subs, "statuses": {"ok": 10}, "delivered": 10,
        "expected": 10, "stopped_early": None, "latency_ms": lat, "load_s": 1.0, "drain_s": 1.0,
        "processes": {"intake": {"cpu_s": 0.5, "peak_rss_mib": 100.0}}, **extra,
    }  # fmt: skip


def _results() -> dict[str, Any]:
    return {
        "plan": "unit", "database": "sqlite", "started_at": "2026-01-01T00:00:00Z",
        "machine": {"cpus": 2, "cpu_model": "x", "memory_gib": 4, "system": "Linux",
                    "python": "3.11", "load_average_at_start": [0.1]},
        "baselines": {"http_post": _cell(10, 1, 2.0), "fan_out": [_cell(10, 25, 5.0)]},
        "hub": [_cell(10, 25, 20.0), {"rate": 200, "subscribers": 100, "skipped": "moot"}],
        "max_rate": {"sustained_alerts_per_s": 25, "steps": [_cell(25, 1, 9.0, clean=True)]},
        "one_to_many": _cell(1, 200, 50.0, last_arrival_ms=900.0),
        "cold_start": {"first_delivery_s": 30.0},
        "rss_idle_mib": {"intake": 100.0, "receiver": 30.0},
        "rss_peak_mib": {"intake": 110.0},
    }  # fmt: skip


def test_markdown_shows_ratio_and_skips(tmp_path: Path) -> None:
    text = markdown(_results())
    row = next(line for line in text.splitlines() if line.startswith("| 10 | 25 |"))
    assert "| 20.0 |" in row and "| 4.0 | 4.0 |" in row  # hub 20 / bare 5
    assert "skipped: moot" in text
    assert "| resident memory of the stack, idle | 100 MiB (105 MB)" in text  # not the receiver
    paths = write(_results(), tmp_path, "unit")
    assert json.loads(paths[0].read_text())["plan"] == "unit"
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_seed_puts_each_group_in_its_own_zone() -> None:
    groups = plan_subscribers([1, 3])
    seed = bench_seed(groups, police_key=new_police_key(), hook_url=lambda s: f"http://r/{s}")
    subscribers = [p for p in seed["partners"] if p["kind"] == "cvi_org"]
    assert len(subscribers) == 4
    zones = {p["partner_id"]: p["grants"][0]["zones"] for p in subscribers}
    assert sorted(z[0] for z in zones.values()) == ["bench-1", "bench-3", "bench-3", "bench-3"]
    police = seed["partners"][0]
    assert police["grants"] == [{"stream": "incident-alerts", "action": "publish"}]


def test_receiver_records_only_verified_deliveries() -> None:
    [member] = plan_subscribers([1])[1]
    receiver = Receiver({member.partner_id: member.secret})
    body = json.dumps({"id": "m1", "data": {"alert_id": "a-1"}})
    headers = signed_headers(Webhook(member.secret), "m1", body)
    assert receiver.accept(member.partner_id, body.encode(), headers, 1.0)
    assert not receiver.accept(member.partner_id, body.encode() + b" ", headers, 1.0)
    assert not receiver.accept("stranger", body.encode(), headers, 1.0)
    assert receiver.records == [(member.partner_id, "a-1", 1.0)]
    assert receiver.rejected == 2


def test_profile_summary_shares() -> None:
    raw = "proc;main (app.py:1);query (store.py:9) 3\nproc;main (app.py:1);sign (hooks.py:2) 1\n"
    summary = summarize_profile(raw)
    assert summary["samples"] == 4
    assert ("main (app.py)", 100.0) in summary["inclusive_pct"]
    assert summary["own_pct"][0] == ("query (store.py)", 75.0)
