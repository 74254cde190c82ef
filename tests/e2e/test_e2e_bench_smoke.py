"""A tiny `./hub bench` against the session's embedded hub (its --target path): subscribers
made through the registry's admin API, deliveries counted and their signatures verified."""

from pathlib import Path

import pytest

from cvihub_bench.plan import TINY
from cvihub_bench.report import write
from cvihub_bench.runner import Options, run
from cvihub_cli.stack import Stack

# Shares the session's hub with the other modules of its group (see conftest.py).
pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]


async def test_tiny_bench_counts_verified_deliveries(hub: Stack, tmp_path: Path) -> None:
    target = hub.config.data_dir / "stack.json"
    results = await run(Options(plan=TINY, plan_name="smoke", target=target))

    assert all(group["ready"] for group in results["groups"]), results["groups"]
    [cell] = results["hub"]
    assert cell["accepted"] == cell["sent"] == 5
    assert cell["expected"] == 5 * 2
    assert cell["delivered"] == cell["expected"], cell
    assert cell["rejected_signatures"] == 0
    assert cell["latency_ms"]["count"] == cell["delivered"]
    assert cell["processes"]["notifications"]["cpu_s"] > 0

    [floor] = results["baselines"]["fan_out"]
    assert floor["delivered"] == floor["expected"] == 10
    assert results["baselines"]["kafka_fetch_wait_10ms"]["received"] > 0
    assert results["one_to_many"]["delivered"] == TINY.fan_out_to
    assert set(results["rss_idle_mib"]) >= {"intake", "notifications", "registry", "receiver"}

    paths = write(results, tmp_path, "smoke")
    assert "| 5 | 2 |" in paths[1].read_text()
