"""Where intake's and notifications' time goes under load: py-spy samples, summarised by
function (inclusive and own share of the samples)."""

import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from cvihub_bench.scenarios import Bench

PROFILED = ("intake", "notifications")
PROFILE_RATE = 50
PROFILE_SUBSCRIBERS = 25


def _frame(raw: str) -> str:
    """'function (path/to/module.py:123)' -> 'function (module.py)'."""
    name, _, where = raw.partition(" (")
    file = where.rsplit(":", 1)[0].rsplit("/", 1)[-1] if where else ""
    return f"{name} ({file})" if file else name


GENERIC_FILES = frozenset(
    {"runners.py", "core.py", "main.py", "base_events.py", "_compat.py", "server.py",
     "<frozen runpy>", "__main__.py", "events.py", "threading.py", "model.py", "utils.py"}
)  # fmt: skip
"""Frames on (almost) every stack (event loop, CLI, thread start): they say nothing."""


def _telling(frame: str) -> bool:
    return frame.rpartition(" (")[2].rstrip(")") not in GENERIC_FILES


def summarize(collapsed: str, *, top: int = 30) -> dict[str, Any]:
    """Inclusive and own shares (%) per function of py-spy's raw (collapsed) stacks; the
    inclusive list leaves out the event loop's and CLI's frames that every stack has."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";") if f]
        total += count
        for frame in set(frames[1:]):  # the first is the process/thread label
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count

    def share(n: int) -> float:
        return round(100.0 * n / total, 1) if total else 0.0

    return {
        "samples": total,
        "inclusive_pct": [(f, share(n)) for f, n in inclusive.most_common() if _telling(f)][:top],
        "own_pct": [(f, share(n)) for f, n in own.most_common(top)],
    }


async def record(pid: int, seconds: float, out: Path) -> dict[str, Any]:
    """py-spy record of one process for the duration, raw format; its summary."""
    args = ["record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "100",
            "--format", "raw", "--output", str(out), "--nonblocking"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"),  # installed beside this interpreter
        *args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, err = await process.communicate()
    collapsed = await asyncio.to_thread(_read, out)
    if process.returncode != 0 or collapsed is None:
        return {"error": err.decode(errors="replace")[-500:]}
    return summarize(collapsed)


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


async def profile_under_load(bench: Bench, pids: dict[str, int]) -> dict[str, Any]:
    """Load 50 alerts/s to 25 subscribers while py-spy samples intake and notifications."""
    seconds = max(5.0, bench.plan.cell_s * 2)
    recordings = [
        record(pids[name], seconds, bench.work_dir / f"profile-{name}.txt")
        for name in PROFILED
        if name in pids
    ]
    load = bench.measured(
        bench.poster.sender(bench.zone(PROFILE_SUBSCRIBERS)),
        rate=PROFILE_RATE,
        duration=seconds,
        subscribers=PROFILE_SUBSCRIBERS,
    )
    *summaries, cell = await asyncio.gather(*recordings, load, return_exceptions=True)
    if isinstance(cell, BaseException):
        raise cell
    summaries = [{"error": repr(s)} if isinstance(s, BaseException) else s for s in summaries]
    found: dict[str, Any] = dict(zip([n for n in PROFILED if n in pids], summaries, strict=True))
    found["load"] = {k: cell[k] for k in ("rate", "subscribers", "sent", "delivered", "expected")}
    return found
