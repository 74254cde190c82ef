"""Services forked from the pre-warmed fork server: their own environment, working directory
and log, and handled as a Popen is (poll, SIGTERM, SIGKILL, exit codes)."""

import os
import signal
from pathlib import Path

import httpx
import pytest

from cvihub_cli.embedded import free_port
from cvihub_cli.forkserver import fork_service
from cvihub_testkit import eventually

pytestmark = pytest.mark.integration


def _answer(port: int) -> dict[str, object]:
    """The app's answer; empty while it is not up yet."""
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0)
    except httpx.HTTPError:
        return {}
    body: dict[str, object] = response.json() if response.status_code == 200 else {}
    return body


async def test_a_forked_service_runs_with_its_own_environment_and_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CVIHUB_PARENT_ONLY", "must not reach the child")
    ports = [free_port(), free_port()]
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    services = [
        fork_service("cli_admin_helpers:env_app", port, {"FORKED_SETTING": f"s{i}"}, log, tmp_path)
        for i, (port, log) in enumerate(zip(ports, logs, strict=True))
    ]
    try:
        answers = [await eventually(lambda p=port: _answer(p), timeout=60) for port in ports]

        assert [a["setting"] for a in answers] == ["s0", "s1"]
        assert all(a["leaked"] is None for a in answers)
        assert all(a["cwd"] == str(tmp_path) for a in answers)
        assert [a["pid"] for a in answers] == [s.pid for s in services]
        assert all(s.poll() is None for s in services)
        assert all("env app built" in log.read_text() for log in logs)

        services[0].send_signal(signal.SIGTERM)
        services[1].kill()
        # uvicorn shuts down, then re-raises the signal it caught, as a Popen'd uvicorn does.
        assert services[0].wait(timeout=30) == -signal.SIGTERM
        assert services[1].wait(timeout=30) == -signal.SIGKILL
        assert services[1].returncode == -signal.SIGKILL and services[1].poll() is not None
        assert "Application shutdown complete" in logs[0].read_text()
    finally:
        for service in services:
            if service.poll() is None:
                os.kill(service.pid, signal.SIGKILL)
