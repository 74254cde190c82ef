"""The measurements of a run, each against a running hub, receiver and (for floors) broker."""

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from cvihub_bench.baselines import create_topic, kafka_round_trip
from cvihub_bench.cells import Limits, Sender, run_cell
from cvihub_bench.plan import Plan, dominated
from cvihub_bench.procs import Watch, start_module, stop
from cvihub_bench.provision import Admin, Subscriber, zone_for
from cvihub_bench.receiver import ReceiverClient
from cvihub_bench.senders import IntakePoster, SignedPoster, TopicSender
from cvihub_cli.stack import wait_caught_up

Log = Callable[[str], None]


@dataclass
class Bench:
    """Everything the scenarios share."""

    plan: Plan
    receiver: ReceiverClient
    poster: IntakePoster
    groups: dict[int, list[Subscriber]]
    kafka: str
    watch: Watch
    work_dir: Path
    log: Log
    admin: Admin
    urls: dict[str, str]
    tag: str = "bench"
    provisioned: set[int] = field(default_factory=set)
    failed: list[tuple[float, int]] = field(default_factory=list)

    def zone(self, size: int) -> str:
        """The zone whose alerts reach the group of this size."""
        return zone_for(size, self.tag)

    def limits(self) -> Limits:
        """The plan's early-stop and drain limits."""
        return Limits(lag_s=self.plan.lag_s, drain_s=self.plan.drain_s)

    async def measured(
        self,
        send: Sender,
        *,
        rate: float,
        duration: float,
        subscribers: int,
        limits: Limits | None = None,
    ) -> dict[str, Any]:
        """One cell, with CPU seconds and peak memory of every watched process."""
        self.watch.begin_window()
        result = await run_cell(
            rate=rate,
            duration=duration,
            subscribers=subscribers,
            send=send,
            receiver=self.receiver,
            limits=limits or self.limits(),
        )
        result["processes"] = {n: asdict(u) for n, u in self.watch.end_window().items()}
        return result


def _describe(label: str, cell: dict[str, Any]) -> str:
    lat = cell.get("latency_ms") or {}
    return (
        f"{label}: {cell['rate']:g}/s x {cell['subscribers']}: sent {cell['sent']}, "
        f"delivered {cell['delivered']}/{cell['expected']}, p50 {lat.get('p50')} ms, "
        f"p99 {lat.get('p99')} ms"
        + (f"; stopped: {cell['stopped_early']}" if cell.get("stopped_early") else "")
    )


async def first_delivery(bench: Bench, *, started_at: float) -> dict[str, Any]:
    """Cold start: seconds from the stack's start to the first verified delivery."""
    cell = await run_cell(
        rate=1,
        duration=1,
        subscribers=1,
        send=bench.poster.sender(bench.zone(1)),
        receiver=bench.receiver,
        limits=Limits(lag_s=120, drain_s=120),
    )
    first = bench.groups[1][0].partner_id
    arrived = [t for subscriber, _, t in bench.receiver.records if subscriber == first]
    return {
        "first_delivery_s": round(min(arrived) - started_at, 2) if arrived else None,
        "delivered": cell["delivered"],
    }


async def add_group(bench: Bench, size: int) -> dict[str, Any]:
    """Create the group through the admin API (unless seeded), then send it one alert and wait
    for every member: the services' registry copies know it before anything is measured."""
    started = time.monotonic()
    if size not in bench.provisioned:
        await bench.admin.subscribers(bench.groups[size], bench.receiver.hook_url)
        bench.provisioned.add(size)
        # An alert is routed with what the copy knows when it arrives: wait for the copies.
        await asyncio.to_thread(wait_caught_up, bench.urls, timeout=120)
    created = time.monotonic()
    cell = await run_cell(
        rate=1, duration=1, subscribers=size, send=bench.poster.sender(bench.zone(size)),
        receiver=bench.receiver, limits=Limits(lag_s=600, drain_s=max(60, size / 5)),
    )  # fmt: skip
    bench.log(f"group of {size}: {cell['delivered']}/{cell['expected']} arrived")
    return {
        "size": size,
        "provision_s": round(created - started, 2),
        "ready": cell["lost"] == 0,
        "first_alert_last_arrival_ms": cell["last_arrival_ms"],
    }


async def baselines(bench: Bench, secrets: dict[str, str]) -> dict[str, Any]:
    """Bare Kafka round trips, bare signed POSTs, and the bare fan-out over every cell."""
    plan = bench.plan
    producer = AIOKafkaProducer(bootstrap_servers=bench.kafka, linger_ms=0)
    await producer.start()
    try:
        found: dict[str, Any] = {}
        for wait_ms in (10, 500):
            found[f"kafka_fetch_wait_{wait_ms}ms"] = await kafka_round_trip(
                producer,
                bootstrap=bench.kafka,
                rate=plan.baseline_rate,
                duration=plan.baseline_s,
                fetch_max_wait_ms=wait_ms,
            )
        poster = SignedPoster(bench.receiver.url, "bare-http", secrets["bare-http"])
        try:
            found["http_post"] = await bench.measured(
                poster.sender(), rate=plan.baseline_rate, duration=plan.baseline_s, subscribers=1
            )
        finally:
            await poster.close()
        bench.log(_describe("bare HTTP POST", found["http_post"]))
        found["fan_out"] = await bare_fan_out(bench, producer)
        return found
    finally:
        await producer.stop()


async def bare_fan_out(bench: Bench, producer: AIOKafkaProducer) -> list[dict[str, Any]]:
    """The floor: the minimal consumer process forwarding each record to its group."""
    topic = f"bench.fanout.{uuid.uuid4().hex[:8]}"
    await create_topic(bench.kafka, topic)
    groups_file = bench.work_dir / "fanout-groups.json"
    groups_file.write_text(
        json.dumps(
            {
                size: [[s.partner_id, s.secret] for s in members]
                for size, members in bench.groups.items()
            }
        )
    )
    process = start_module(
        "cvihub_bench.fanout",
        [
            "--bootstrap",
            bench.kafka,
            "--topic",
            topic,
            "--groups",
            str(groups_file),
            "--receiver",
            bench.receiver.url,
        ],
        log=bench.work_dir / "fanout.log",
    )
    bench.watch.add("bare-fan-out", process.pid)
    sender = TopicSender(producer, topic)
    results: list[dict[str, Any]] = []
    try:
        await run_cell(
            rate=1,
            duration=1,
            subscribers=1,
            send=sender.sender(1),
            receiver=bench.receiver,
            limits=Limits(lag_s=30, drain_s=30),
        )
        results = await matrix(bench, "bare fan-out", sender.sender)
    finally:
        stop(process)
        bench.watch.remove("bare-fan-out")
    return results


async def matrix(
    bench: Bench,
    label: str,
    sender_for: Callable[[int], Sender],
    *,
    only: int | None = None,
    failed: list[tuple[float, int]] | None = None,
) -> list[dict[str, Any]]:
    """The plan's cells (of one subscriber count if `only`), lightest first; in the quick run
    those a lighter failure makes moot are skipped."""
    failed = [] if failed is None else failed
    results: list[dict[str, Any]] = []
    for rate, subs in bench.plan.cells():
        if only is not None and subs != only:
            continue
        cause = dominated((rate, subs), failed) if bench.plan.skip_moot else None
        if cause is not None:
            results.append(
                {
                    "rate": rate,
                    "subscribers": subs,
                    "skipped": f"{cause[0]:g}/s x {cause[1]} already fell behind",
                }
            )
            continue
        cell = await bench.measured(
            sender_for(subs), rate=rate, duration=bench.plan.cell_s, subscribers=subs
        )
        bench.log(_describe(label, cell))
        results.append(cell)
        if cell["stopped_early"] or cell["lost"] or not cell["drained"]:
            failed.append((rate, subs))
            await settle(bench, limit_s=bench.plan.drain_s)
    return results


async def settle(bench: Bench, quiet_s: float = 1.0, limit_s: float = 30.0) -> None:
    """After an overload, wait (bounded) until arrivals stop, so the next cell starts clean."""
    deadline = time.monotonic() + limit_s
    count = -1
    while time.monotonic() < deadline and count != len(bench.receiver.records):
        count = len(bench.receiver.records)
        await asyncio.sleep(quiet_s)
        await bench.receiver.poll()


async def hub_cells(bench: Bench, subscribers: int) -> list[dict[str, Any]]:
    """End-to-end latency from intake's 202 to each verified arrival, cells of one count."""
    return await matrix(
        bench,
        "hub",
        lambda subs: bench.poster.sender(bench.zone(subs)),
        only=subscribers,
        failed=bench.failed,
    )


async def probe_with_everyone(bench: Bench) -> dict[str, Any]:
    """10 alerts/s to one subscriber once every group exists: what the others cost."""
    cell = await bench.measured(
        bench.poster.sender(bench.zone(1)), rate=10, duration=bench.plan.cell_s, subscribers=1
    )
    cell["stream_subscribers"] = sum(len(bench.groups[size]) for size in bench.provisioned)
    bench.log(_describe(f"with {cell['stream_subscribers']} subscribers on the stream", cell))
    return cell


async def max_rate(bench: Bench) -> dict[str, Any]:
    """The highest step of alerts/s (one subscriber) with every 202 delivered and no error."""
    steps: list[dict[str, Any]] = []
    best: float | None = None
    for rate in bench.plan.max_rate_steps:
        cell = await bench.measured(
            bench.poster.sender(bench.zone(1)),
            rate=rate,
            duration=bench.plan.max_rate_step_s,
            subscribers=1,
        )
        clean = (
            not cell["stopped_early"]
            and cell["lost"] == 0
            and cell["drained"]
            and sum(v for k, v in cell["statuses"].items() if k != "ok") == 0
        )
        cell["clean"] = clean
        steps.append(cell)
        bench.log(_describe("max rate", cell))
        if not clean:
            await settle(bench)
            break
        best = rate
    return {"sustained_alerts_per_s": best, "steps": steps}


async def one_to_many(bench: Bench) -> dict[str, Any]:
    """One alert to the large group: time from the 202 to the last arrival."""
    size = bench.plan.fan_out_to
    cell = await bench.measured(
        bench.poster.sender(bench.zone(size)),
        rate=1,
        duration=1,
        subscribers=size,
        limits=Limits(lag_s=10_000, drain_s=bench.plan.fan_out_wait_s),
    )
    bench.log(_describe("one to many", cell))
    return cell
