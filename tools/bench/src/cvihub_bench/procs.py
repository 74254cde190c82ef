"""The bench's own helper processes, and CPU and memory of every process it watches."""

import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from cvihub_cli.embedded import wait_for_port

MIB = 1024 * 1024


def start_module(
    module: str, args: list[str], *, log: Path, port: int | None = None
) -> subprocess.Popen[bytes]:
    """Start `python -m module args` with output to log; wait for its port when given."""
    output = log.open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        [sys.executable, "-m", module, *args], stdout=output, stderr=subprocess.STDOUT
    )
    if port is not None:
        try:
            wait_for_port(port, timeout=30)
        except TimeoutError:
            process.kill()
            raise
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate one of our processes and wait for it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Usage:
    """CPU seconds and peak resident memory of one process over a window."""

    cpu_s: float = 0.0
    peak_rss_mib: float = 0.0


@dataclass
class Watch:
    """Samples resident memory of named processes in a background thread; CPU by window."""

    pids: dict[str, int]
    interval: float = 0.25
    _procs: dict[str, psutil.Process] = field(default_factory=dict)
    _peak: dict[str, float] = field(default_factory=dict)
    _cpu_start: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin sampling."""
        for name, pid in self.pids.items():
            try:
                self._procs[name] = psutil.Process(pid)
            except psutil.NoSuchProcess:
                continue
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def add(self, name: str, pid: int) -> None:
        """Watch one more process."""
        self._procs[name] = psutil.Process(pid)

    def remove(self, name: str) -> None:
        """Stop watching a process."""
        self._procs.pop(name, None)
        self._peak.pop(name, None)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for name, rss in list(self.rss_mib().items()):
                self._peak[name] = max(self._peak.get(name, 0.0), rss)

    def rss_mib(self) -> dict[str, float]:
        """Resident memory of each live process now, MiB."""
        found: dict[str, float] = {}
        for name, proc in list(self._procs.items()):
            try:
                found[name] = proc.memory_info().rss / MIB
            except psutil.Error:
                continue
        return found

    def _cpu(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for name, proc in list(self._procs.items()):
            try:
                times = proc.cpu_times()
                found[name] = times.user + times.system
            except psutil.Error:
                continue
        return found

    def begin_window(self) -> None:
        """Start a measurement window: CPU counted and memory peaks from now."""
        self._cpu_start = self._cpu()
        self._peak = dict(self.rss_mib())

    def end_window(self) -> dict[str, Usage]:
        """CPU seconds and peak RSS per process since begin_window()."""
        now = self._cpu()
        return {
            name: Usage(
                cpu_s=round(now[name] - self._cpu_start.get(name, now[name]), 2),
                peak_rss_mib=round(self._peak.get(name, 0.0), 1),
            )
            for name in now
        }

    def close(self) -> None:
        """Stop sampling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
