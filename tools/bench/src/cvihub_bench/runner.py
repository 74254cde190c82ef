"""One bench run: the receiver, the hub (embedded or given), then every scenario in order."""

import asyncio
import compileall
import json
import os
import platform
import secrets as random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil
import yaml

from cvihub_bench import scenarios
from cvihub_bench.plan import Plan
from cvihub_bench.procs import Watch, start_module, stop
from cvihub_bench.provision import Admin, bench_seed, new_police_key, new_secret, plan_subscribers
from cvihub_bench.receiver import ReceiverClient
from cvihub_bench.senders import IntakePoster
from cvihub_cli.embedded import embedded_consumer_env, free_port
from cvihub_cli.stack import Stack, StackConfig, wait_caught_up
from cvihub_cli.stack_info import REPO_ROOT, SERVICES, StackInfo

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    plan: Plan
    plan_name: str
    database: str = "sqlite"
    target: Path | None = None
    growth: bool = False
    profile: bool = False
    postgres_url: str = POSTGRES_URL


def compile_bytecode() -> float:
    """Compile what the stack imports, once: with PYTHONDONTWRITEBYTECODE set (as in some
    sandboxes) every process would otherwise compile every module it imports, at every start,
    and the cold start would measure the compiler. Seconds taken (near 0 when current)."""
    started = time.monotonic()
    roots = {Path(p) for p in sys.path if p.endswith("site-packages")}
    roots |= {p for p in REPO_ROOT.glob("*/src")} | {p for p in REPO_ROOT.glob("*/*/src")}
    for root in sorted(roots):
        compileall.compile_dir(root, quiet=1, workers=0)
    return round(time.monotonic() - started, 1)


def machine() -> dict[str, Any]:
    """The machine the figures come from."""
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _databases(options: Options) -> dict[str, tuple[str, str | None]]:
    if options.database != "postgresql":
        return {}
    run = uuid.uuid4().hex[:8]
    return {name: (options.postgres_url, f"bench_{name}_{run}") for name in SERVICES}


async def _drop_schemas(url: str, schemas: list[str]) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as connection:
        for schema in schemas:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


async def run(options: Options, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the whole bench; the results as one JSON-ready dict."""
    runs = REPO_ROOT / "var" / "bench"
    runs.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=time.strftime("run-%Y%m%dT%H%M%S-"), dir=runs))
    try:
        results = await _run_in(work, options, log)
    finally:
        await asyncio.to_thread(_drop_files, work)
        log(f"logs and profiles of this run: {work}")
    return results


def _drop_files(work: Path) -> None:
    """Delete a run's SQLite files; its logs and profiles stay for a look."""
    for database in work.rglob("*.db*"):
        database.unlink()


async def _run_in(work: Path, options: Options, log: Callable[[str], None]) -> dict[str, Any]:
    plan = options.plan
    tag = "bench" if options.target is None else f"bench{random.token_hex(3)}"
    groups = plan_subscribers(plan.groups, tag)
    secrets = {s.partner_id: s.secret for members in groups.values() for s in members}
    secrets["bare-http"] = new_secret()
    (work / "secrets.json").write_text(json.dumps(secrets))
    port = free_port()
    receiver_process = start_module(
        "cvihub_bench.receiver",
        ["--port", str(port), "--secrets", str(work / "secrets.json")],
        log=work / "receiver.log",
        port=port,
    )
    receiver = ReceiverClient(f"http://127.0.0.1:{port}")
    stack: Stack | None = None
    databases = _databases(options)
    results: dict[str, Any] = {
        "plan": options.plan_name,
        "settings": asdict(plan),
        "database": options.database,
        "machine": machine(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        if options.target is None:
            results["bytecode_compile_s"] = await asyncio.to_thread(compile_bytecode)
            log(f"bytecode cache current ({results['bytecode_compile_s']} s)")
        started = time.monotonic()
        if options.target is None:
            police_key = new_police_key()
            seed = work / "seed.yaml"
            seed.write_text(
                yaml.safe_dump(
                    bench_seed({1: groups[1]}, police_key=police_key, hook_url=receiver.hook_url)
                )
            )
            stack = Stack(
                StackConfig(
                    data_dir=work / "hub",
                    kafka_port=free_port(),
                    ports={name: free_port() for name in SERVICES},
                    sink_port=free_port(),
                    seed_file=seed,
                    database=databases,
                    extra_env=embedded_consumer_env(),
                    with_sink=False,
                )
            )
            log("starting the embedded stack (seeded: a police partner and one subscriber)…")
            info = await asyncio.to_thread(stack.start)
            admin = Admin(info.urls["registry"], info.admin_token)
        else:
            path = options.target
            info = StackInfo.load(path / "stack.json" if path.is_dir() else path)
            admin = Admin(info.urls["registry"], info.admin_token)
            police_key = await admin.police(tag)
            await admin.subscribers(groups[1], receiver.hook_url)
            await asyncio.to_thread(wait_caught_up, info.urls, timeout=120)
        results["stack_ready_s"] = round(time.monotonic() - started, 2)
        log(f"hub ready after {results['stack_ready_s']} s")
        watch = Watch({**info.pids, "receiver": receiver_process.pid})
        watch.start()
        poster = IntakePoster(info.urls["intake"], police_key)
        bench = scenarios.Bench(
            plan=plan,
            receiver=receiver,
            poster=poster,
            groups=groups,
            kafka=info.kafka,
            watch=watch,
            work_dir=work,
            log=log,
            admin=admin,
            urls=info.urls,
            tag=tag,
            provisioned={1},
        )
        try:
            results["cold_start"] = await scenarios.first_delivery(bench, started_at=started)
            log(f"cold start: {results['cold_start']}")
            await asyncio.sleep(2.0)
            results["rss_idle_mib"] = {k: round(v, 1) for k, v in watch.rss_mib().items()}
            results["baselines"] = await scenarios.baselines(bench, secrets)
            # Groups are added as the cells need them, so a cell of N subscribers runs with
            # about N on the stream; the probe at the end shows what all of them cost.
            results["max_rate"] = await scenarios.max_rate(bench)
            results["groups"] = []
            results["hub"] = []
            for size in plan.subscribers:
                results["groups"].append(await scenarios.add_group(bench, size))
                results["hub"] += await scenarios.hub_cells(bench, size)
            results["groups"].append(await scenarios.add_group(bench, plan.fan_out_to))
            results["one_to_many"] = await scenarios.one_to_many(bench)
            results["with_every_group"] = await scenarios.probe_with_everyone(bench)
            if options.profile:
                from cvihub_bench.profile import profile_under_load

                results["profile"] = await profile_under_load(bench, info.pids)
            if options.growth:
                from cvihub_bench.growth import growth

                results["growth"] = await growth(bench, stack)
            results["rss_peak_mib"] = peak_rss(results)
        finally:
            watch.close()
            await poster.close()
            await admin.close()
    finally:
        await receiver.close()
        stop(receiver_process)
        if stack is not None:
            await asyncio.to_thread(stack.stop)
        if databases:
            await _drop_schemas(options.postgres_url, [s for _, s in databases.values() if s])
    return results


def peak_rss(results: dict[str, Any]) -> dict[str, float]:
    """The largest resident memory each process reached in any measured cell."""
    peaks: dict[str, float] = {}
    cells = [*results.get("hub", []), *results.get("max_rate", {}).get("steps", [])]
    cells += [results[k] for k in ("one_to_many", "with_every_group") if k in results]
    for cell in cells:
        for name, usage in cell.get("processes", {}).items():
            peaks[name] = max(peaks.get(name, 0.0), usage["peak_rss_mib"])
    return peaks
