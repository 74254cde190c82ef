"""Run the whole hub as local processes: the broker, the services, the portal and the demo sink."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cvihub_cli.embedded import embedded_consumer_env, free_port, start_tansu, wait_for_port
from cvihub_cli.forkserver import ForkedService, fork_service
from cvihub_cli.stack_info import (
    DATA_DIR,
    DEMO_SEED,
    KAFKA_PORT,
    LOCAL_SERVICE_LEVELS,
    REPO_ROOT,
    SERVICES,
    SINK_PORT,
    StackInfo,
)
from cvihub_runtime.secretbox import new_fernet_key, new_key_ring_text

# A deadline, not a wait: a loaded machine (CI beside other work) may take long to import and
# migrate; a quiet one is ready in seconds and never waits for it.
START_TIMEOUT = float(os.environ.get("CVIHUB_START_TIMEOUT_SECONDS", "120"))
HAS_NO_REGISTRY_COPY = {"registry", "portal"}


@dataclass
class StackConfig:
    """Where everything runs and keeps its files."""

    data_dir: Path = DATA_DIR
    kafka: str | None = None  # host:port of an external cluster; None starts the embedded one
    kafka_port: int = KAFKA_PORT
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    sink_port: int = SINK_PORT
    seed_file: Path | None = DEMO_SEED
    database: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Per service (url, schema); a service not named gets a SQLite file in data_dir."""
    extra_env: dict[str, str] = field(default_factory=dict)
    fork_server: bool = False
    """Fork the services from one process that imported their libraries once (faster start)."""
    with_sink: bool = True
    """Start the demo webhook sink (the bench brings its own receiver)."""


def _progress(http: httpx.Client, url: str) -> dict[str, int]:
    """The progress counters a service's /health reports; empty while it cannot answer."""
    try:
        body = http.get(f"{url}/health").json()
    except (httpx.HTTPError, ValueError):
        return {}
    progress = body.get("progress", {}) if isinstance(body, dict) else {}
    return {str(k): int(v) for k, v in progress.items()}


def wait_caught_up(
    urls: dict[str, str], *, timeout: float = START_TIMEOUT, http: httpx.Client | None = None
) -> None:
    """Wait until every registry copy holds the registry's newest state (the seed included),
    so the next request is decided with the partners and grants it expects."""
    client = http or httpx.Client(timeout=2.0)
    deadline = time.monotonic() + timeout
    copies = [name for name in urls if name not in HAS_NO_REGISTRY_COPY]
    behind: dict[str, int] = {}
    try:
        while time.monotonic() < deadline:
            target = _progress(client, urls["registry"]).get("registry_sequence", 0)
            behind = {
                name: seen
                for name in copies
                if (seen := _progress(client, urls[name]).get("registry_copy_sequence", -1))
                < target
            }
            if not behind:
                return
            time.sleep(0.1)
    finally:
        if http is None:
            client.close()
    raise TimeoutError(f"registry copies still behind after {timeout}s: {behind}")


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    """A secret kept in the data dir, so a restarted hub can read what it encrypted before."""
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


class Stack:
    """Starts the processes in dependency order and stops them in reverse."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes] | ForkedService] = {}
        self.logs = config.data_dir / "logs"
        self.info: StackInfo | None = None
        self._kafka = self._secret_key = self._admin_token = ""
        self._data_keys = ""
        self._broker_env: dict[str, str] = {}
        # One client for every poll: a new one per request builds an SSL context each time,
        # which cost `up` seconds of CPU while the services competed for the same cores.
        self._http = httpx.Client(timeout=2.0)

    def service_env(
        self, name: str, *, kafka: str, secret_key: str, admin_token: str
    ) -> dict[str, str]:
        """The environment one service process starts with."""
        prefix = name.upper() + "_"
        url, schema = self.config.database.get(
            name, (f"sqlite+aiosqlite:///{self.config.data_dir / name}.db", None)
        )
        env = {
            # The embedded broker's consumer settings, unless the environment says otherwise.
            **self._broker_env,
            # The local stack's receivers (the demo sink, the bench's) listen on http://127.0.0.1;
            # a real deployment keeps the default: HTTPS to public addresses only.
            "NOTIFICATIONS_WEBHOOK_ALLOW_INSECURE_LOOPBACK": "true",
            "REGISTRY_WEBHOOK_ALLOW_INSECURE_LOOPBACK": "true",
            # The defaults plus the referral-loop demo's short level, its timers polled each second.
            "REFERRALS_SERVICE_LEVELS": json.dumps(LOCAL_SERVICE_LEVELS),
            "REFERRALS_TIMER_POLL_SECONDS": "1",
            "INTAKE_WEBHOOK_ALLOW_INSECURE_LOOPBACK": "true",
            **os.environ,
            f"{prefix}KAFKA_BOOTSTRAP_SERVERS": kafka,
            f"{prefix}DATABASE_URL": url,
            f"{prefix}LOG_JSON": "true",
        }
        if schema:
            env[f"{prefix}DATABASE_SCHEMA"] = schema
        if self._data_keys:
            env[f"{prefix}DATA_KEYS"] = self._data_keys
        if name in {"registry", "notifications"}:
            env[f"{prefix}SECRET_KEY"] = secret_key
        # intake's admin route: replay; notifications': every partner's notices
        if name in {"registry", "intake", "notifications"}:
            env[f"{prefix}ADMIN_TOKEN"] = admin_token
        if name == "registry" and self.config.seed_file:
            env["REGISTRY_SEED_FILE"] = str(self.config.seed_file)
        if name == "portal":
            env.update(self._portal_env(secret_key=secret_key, admin_token=admin_token))
        env.update(self.config.extra_env)
        return env

    def _portal_env(self, *, secret_key: str, admin_token: str) -> dict[str, str]:
        """The portal calls the other services on people's behalf and issues partner keys."""
        urls = {
            f"PORTAL_{n.upper()}_URL": f"http://127.0.0.1:{p}" for n, p in self.config.ports.items()
        }
        urls.pop("PORTAL_PORTAL_URL", None)
        return {**urls, "PORTAL_SECRET_KEY": secret_key, "PORTAL_REGISTRY_ADMIN_TOKEN": admin_token}

    def start(self) -> StackInfo:
        """Start everything and wait until each service reports healthy."""
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        secret_key = _read_or_create(self.config.data_dir / "secret.key", new_fernet_key)
        # The ring sealing each service's outbox; rotate by putting a new id:key first.
        self._data_keys = _read_or_create(self.config.data_dir / "data.keys", new_key_ring_text)
        admin_token = _read_or_create(
            self.config.data_dir / "admin.token", lambda: os.urandom(24).hex()
        )
        kafka = self.config.kafka
        if kafka is None:
            self.processes["kafka"] = start_tansu(
                self.config.kafka_port, log_file=self.logs / "kafka.log"
            )
            kafka = f"127.0.0.1:{self.config.kafka_port}"
            # Tansu admits a new group member after half the session timeout: short sessions
            # make the first join, and so the start, seconds faster.
            self._broker_env = embedded_consumer_env()
        self._kafka, self._secret_key, self._admin_token = kafka, secret_key, admin_token
        try:
            if self.config.with_sink:
                self._spawn_sink()
            for name, port in self.config.ports.items():
                self._spawn_service(name, name, port)
            urls = {name: f"http://127.0.0.1:{port}" for name, port in self.config.ports.items()}
            sink_url = f"http://127.0.0.1:{self.config.sink_port}" if self.config.with_sink else ""
            if self.config.with_sink:
                wait_for_port(self.config.sink_port, timeout=START_TIMEOUT)
            for name, url in urls.items():
                self._wait_healthy(name, url)
            self._wait_caught_up(urls)
        except BaseException:
            self.stop()
            raise
        self.info = StackInfo(
            kafka=kafka,
            urls=urls,
            sink_url=sink_url,
            admin_token=admin_token,
            pids={name: p.pid for name, p in self.processes.items()},
        )
        self.info.save(self.config.data_dir / "stack.json")
        return self.info

    def _spawn_sink(self) -> None:
        seed = ["--seed", str(self.config.seed_file)] if self.config.seed_file else []
        args = ["-m", "cvihub_cli.main", "sink", "--port", str(self.config.sink_port), *seed]
        self._spawn("sink", args, dict(os.environ))

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            [sys.executable, *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )

    def _wait_healthy(self, name: str, url: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}; see {self.logs / name}.log"
                )
            try:
                if self._http.get(f"{url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{name} not healthy after {timeout}s; see {self.logs / name}.log")

    def _wait_caught_up(self, urls: dict[str, str], timeout: float = START_TIMEOUT) -> None:
        wait_caught_up(urls, timeout=timeout, http=self._http)

    def kill(self, name: str) -> None:
        """Kill one process at once, as a crash would (SIGKILL)."""
        process = self.processes.pop(name)
        process.kill()
        process.wait()

    def restart(self, name: str) -> None:
        """Start one service again with the settings it had, and wait until it is healthy."""
        assert self.info is not None
        self._spawn_service(name, name, self.config.ports[name])
        self._wait_healthy(name, self.info.urls[name])

    def add_replica(self, service: str) -> str:
        """Start one more process of a service (same database and consumer group); its URL."""
        name = f"{service}-{sum(1 for p in self.processes if p.startswith(service)) + 1}"
        port = free_port()
        self._spawn_service(name, service, port)
        url = f"http://127.0.0.1:{port}"
        self._wait_healthy(name, url)
        return url

    def _spawn_service(self, process_name: str, service: str, port: int) -> None:
        env = self.service_env(
            service, kafka=self._kafka, secret_key=self._secret_key, admin_token=self._admin_token
        )
        app = f"cvihub_{service}.app:create_app"
        if self.config.fork_server:
            log_file = self.logs / f"{process_name}.log"
            self.processes[process_name] = fork_service(app, port, env, log_file, REPO_ROOT)
            return
        self._spawn(
            process_name,
            [
                "-m",
                "uvicorn",
                app,
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            env,
        )

    def stop(self) -> None:
        """Stop services first, then the sink, then the broker."""
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
