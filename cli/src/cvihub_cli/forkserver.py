"""Start the services from one pre-warmed parent: multiprocessing's fork server imports the
libraries every service needs once (FastAPI, SQLAlchemy, FastStream, Alembic… about 2.5 s of
CPU each), and each service process is a fork of it, importing only its own modules.

On this project's 2-core machines four services importing the same libraries side by side were
most of `./hub up`'s wait; see docs/notes/cli.md. Only third-party libraries are preloaded:
they read no service setting at import, and each child sets its own environment first."""

import multiprocessing
import os
import signal
import subprocess
import sys
from multiprocessing.process import BaseProcess
from pathlib import Path

PRELOAD = [
    "aiokafka",
    "aiosqlite",
    "alembic.command",
    "alembic.runtime.migration",
    "alembic.operations",
    "cryptography.fernet",
    "fastapi",
    "fastapi.openapi.utils",
    "faststream.kafka",
    "httpx",
    "prometheus_client",
    "pydantic",
    "pydantic_settings",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.orm",
    "structlog",
    "uvicorn",
    "yaml",
]


def _serve(app: str, port: int, env: dict[str, str], log_file: str, cwd: str) -> None:
    """In the forked child: output to the log, the service's environment, then uvicorn."""
    log = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    import uvicorn

    # What `python -m uvicorn APP --factory --host 127.0.0.1 --port P --no-access-log` runs.
    uvicorn.run(app, factory=True, host="127.0.0.1", port=port, access_log=False)


class ForkedService:
    """A service process forked by the fork server, handled as a `subprocess.Popen` is."""

    def __init__(self, process: BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        """The child's process id."""
        assert self._process.pid is not None
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """Its exit code (negative: the signal that ended it), None while it runs."""
        return self._process.exitcode

    def poll(self) -> int | None:
        """The exit code if it has ended, else None."""
        return None if self._process.is_alive() else self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for it to end; subprocess.TimeoutExpired when it does not in time."""
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        """Send it a signal."""
        if self._process.exitcode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.send_signal(signal.SIGKILL)


def fork_service(
    app: str, port: int, env: dict[str, str], log_file: Path, cwd: Path
) -> ForkedService:
    """Fork one uvicorn process serving `app` (module:factory) from the fork server."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    process = context.Process(
        target=_serve, args=(app, port, env, str(log_file), str(cwd)), name=app, daemon=False
    )
    process.start()
    return ForkedService(process)
