"""The run's results as JSON, a Markdown table and a PNG chart."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cvihub_bench.stats import Summary, ratio

TARGETS = {
    "p99_200x25_ms": 50.0,
    "sustained_alerts_per_s": 2000.0,
    "one_to_1000_last_ms": 2000.0,
    "stack_rss_mib": 500.0,
    "first_delivery_s": 10.0,
}


def _summary(cell: dict[str, Any] | None) -> Summary | None:
    lat = (cell or {}).get("latency_ms")
    return Summary(**lat) if lat else None


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _mib(value: float) -> str:
    return f"{value:,.0f} MiB ({value * 1.048576:,.0f} MB)"


def _key(cell: dict[str, Any]) -> tuple[float, int]:
    return float(cell["rate"]), int(cell["subscribers"])


def latency_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per cell: the hub's figures beside the bare fan-out's and their ratios."""
    floors = {_key(c): c for c in results.get("baselines", {}).get("fan_out", [])}
    rows = []
    for cell in results.get("hub", []):
        floor = floors.get(_key(cell))
        hub, bare = _summary(cell), _summary(floor)
        # A floor that fell behind is no floor: its ratio would flatter the hub.
        floor_held = floor is not None and not floor.get("lost") and not floor.get("stopped_early")
        rows.append(
            {
                "rate": cell["rate"],
                "subscribers": cell["subscribers"],
                "skipped": cell.get("skipped"),
                "stopped_early": cell.get("stopped_early"),
                "delivered": cell.get("delivered"),
                "expected": cell.get("expected"),
                "statuses": cell.get("statuses", {}),
                "hub": hub,
                "bare": bare,
                "ratio_p50": ratio(hub, bare, "p50") if floor_held else None,
                "ratio_p99": ratio(hub, bare, "p99") if floor_held else None,
                "floor_note": None
                if floor_held or not floor
                else f"bare fan-out fell behind too ({floor['delivered']}/{floor['expected']})",
            }
        )
    return rows


def _status(cell: dict[str, Any]) -> str:
    if cell.get("skipped"):
        return f"skipped: {cell['skipped']}"
    statuses = ", ".join(f"{k if k != 'ok' else '202'}: {v}" for k, v in cell["statuses"].items())
    note = f"{cell['delivered']:,}/{cell['expected']:,} delivered ({statuses})"
    return note + (f"; stopped early: {cell['stopped_early']}" if cell["stopped_early"] else "")


def markdown(results: dict[str, Any]) -> str:
    """The table for docs/bench/latest.md and docs/performance.md."""
    m = results["machine"]
    out = [
        f"# Benchmark: {results['plan']} run, {results['database']}, {results['started_at']}",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, {m['system']}, "
        f"Python {m['python']}; load average at start {m['load_average_at_start']}.",
        "",
        "## Baselines (same run)",
        "",
        "| baseline | p50 ms | p99 ms | max ms |",
        "| --- | --- | --- | --- |",
    ]
    base = results.get("baselines", {})
    for name in ("kafka_fetch_wait_10ms", "kafka_fetch_wait_500ms", "http_post"):
        lat = (base.get(name) or {}).get("latency_ms") or {}
        out.append(
            f"| {name} | {_ms(lat.get('p50'))} | {_ms(lat.get('p99'))} | {_ms(lat.get('max'))} |"
        )
    out += [
        "",
        "## End-to-end latency, intake's 202 to verified arrival (ms)",
        "",
        "| alerts/s | subscribers | hub p50 | p95 | p99 | max | bare fan-out p50 | p99 "
        "| hub ÷ bare p50 | p99 | outcome |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row, cell in zip(latency_rows(results), results.get("hub", []), strict=True):
        hub, bare = row["hub"], row["bare"]
        out.append(
            f"| {row['rate']:g} | {row['subscribers']} | {_ms(hub and hub.p50)} | "
            f"{_ms(hub and hub.p95)} | {_ms(hub and hub.p99)} | {_ms(hub and hub.max)} | "
            f"{_ms(bare and bare.p50)} | {_ms(bare and bare.p99)} | "
            f"{_ms(row['ratio_p50'])} | {_ms(row['ratio_p99'])} | {_status(cell)}"
            + (f"; {row['floor_note']}" if row["floor_note"] else "")
            + " |"
        )
    out += _other_sections(results)
    return "\n".join(out) + "\n"


def _other_sections(results: dict[str, Any]) -> list[str]:
    mr = results.get("max_rate", {})
    one = results.get("one_to_many", {})
    cold = results.get("cold_start", {})
    idle = results.get("rss_idle_mib", {})
    peak = results.get("rss_peak_mib", {})
    hub_procs = [p for p in idle if p != "receiver"]
    out = [
        "",
        "## Intake, fan-out and footprint against the targets",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
    ]
    out.append(
        f"| sustained alerts/s, every 202 delivered, no error (1 subscriber) | "
        f"{mr.get('sustained_alerts_per_s') or 'none of the steps'} | ≥ 2,000 |"
    )
    out.append(
        f"| one alert to {one.get('subscribers')} subscribers: last arrival | "
        f"{_ms(one.get('last_arrival_ms'))} ms ({one.get('delivered')}/"
        f"{one.get('expected')} arrived) | ≤ 2,000 ms (1,000 subscribers) |"
    )
    out.append(f"| cold start to first delivery | {cold.get('first_delivery_s')} s | ≤ 10 s |")
    if every := results.get("with_every_group"):
        lat = every.get("latency_ms") or {}
        out.append(
            f"| 10 alerts/s to 1 subscriber with {every['stream_subscribers']} on the stream: "
            f"p50 / p99 | {_ms(lat.get('p50'))} / {_ms(lat.get('p99'))} ms ({_status(every)}) "
            "| as with 1 on the stream |"
        )
    idle_sum = sum(idle[p] for p in hub_procs)
    peak_sum = sum(v for p, v in peak.items() if p in hub_procs)
    out.append(f"| resident memory of the stack, idle | {_mib(idle_sum)} | ≤ 500 MB |")
    out.append(
        "| resident memory of the stack under load (sum of each process's peak) | "
        f"{_mib(peak_sum)} | ≤ 500 MB |"
    )
    out += [
        "",
        "| process | RSS idle MiB | RSS peak MiB | CPU s/s at the max-rate steps |",
        "| --- | --- | --- | --- |",
    ]
    steps = mr.get("steps", [])
    for name in idle:
        loads = [
            f"{s['rate']:g}/s: {cpu_share(s, name):.2f}" for s in steps if name in s["processes"]
        ]
        out.append(f"| {name} | {idle[name]:.0f} | {peak.get(name, 0):.0f} | {', '.join(loads)} |")
    out += [
        "",
        "Max-rate steps: "
        + "; ".join(
            f"{s['rate']:g}/s {'clean' if s['clean'] else 'FAILED: ' + _status(s)}" for s in steps
        ),
    ]
    return out


def cpu_share(cell: dict[str, Any], name: str) -> float:
    """CPU seconds per second of a process over a cell (load and drain); 1.0 is one core."""
    seconds = max(float(cell["load_s"]) + float(cell["drain_s"]), 1e-9)
    return float(cell["processes"].get(name, {}).get("cpu_s", 0.0)) / seconds


def chart(results: dict[str, Any], path: Path) -> None:
    """Bars of p50 and p99 per cell, hub beside bare fan-out, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in latency_rows(results) if r["hub"] or r["bare"]]
    labels = [f"{r['rate']:g}/sx{r['subscribers']}" for r in rows]
    series: list[tuple[str, Callable[[dict[str, Any]], float | None]]] = [
        ("hub p50", lambda r: r["hub"] and r["hub"].p50),
        ("hub p99", lambda r: r["hub"] and r["hub"].p99),
        ("bare fan-out p50", lambda r: r["bare"] and r["bare"].p50),
        ("bare fan-out p99", lambda r: r["bare"] and r["bare"].p99),
    ]
    fig, ax = plt.subplots(figsize=(max(6, len(rows) * 1.2), 4.5))
    width = 0.2
    for i, (name, get) in enumerate(series):
        values = [get(r) or 0 for r in rows]
        ax.bar([x + (i - 1.5) * width for x in range(len(rows))], values, width, label=name)
    ax.axhline(
        TARGETS["p99_200x25_ms"],
        color="grey",
        linestyle="--",
        linewidth=1,
        label="target p99 at 200/sx25: 50 ms",
    )
    ax.set_yscale("log")
    ax.set_xticks(range(len(rows)), labels, rotation=30, ha="right")
    ax.set_ylabel("ms from acknowledged send to verified arrival")
    ax.set_title(
        f"cvihub bench ({results['plan']}, {results['database']}, {results['started_at']})"
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    """Rewrite the Markdown and the chart of a results JSON: `python -m cvihub_bench.report`."""
    import sys

    source = Path(sys.argv[1])
    results = json.loads(source.read_text())
    write(results, source.parent, source.stem)


def write(results: dict[str, Any], out_dir: Path, name: str) -> list[Path]:
    """Write <name>.json, <name>.md and <name>.png; the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.{ext}" for ext in ("json", "md", "png")]
    paths[0].write_text(json.dumps(results, indent=1, default=str) + "\n")
    paths[1].write_text(markdown(results))
    chart(results, paths[2])
    return paths


if __name__ == "__main__":
    main()
