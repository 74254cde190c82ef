"""A tiny bench against the real embedded stack: deliveries are counted and verified."""

from pathlib import Path

import pytest

from cvihub_bench.plan import TINY
from cvihub_bench.report import write
from cvihub_bench.runner import Options, run
from cvihub_testkit import test_database_kind

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def test_tiny_bench_counts_verified_deliveries(tmp_path: Path) -> None:
    results = await run(Options(plan=TINY, plan_name="smoke", database=test_database_kind()))

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
    assert results["cold_start"]["first_delivery_s"] > 0
    assert set(results["rss_idle_mib"]) >= {"intake", "notifications", "registry", "receiver"}

    paths = write(results, tmp_path, "smoke")
    assert "| 5 | 2 |" in paths[1].read_text()
