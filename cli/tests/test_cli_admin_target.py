"""Where `cvihub admin` finds the registry and its token, and what it says when it cannot."""

from pathlib import Path

import pytest
from cli_admin_helpers import ADMIN_TOKEN, Registry, admin, runner

from cvihub_cli.embedded import free_port
from cvihub_cli.main import app
from cvihub_cli.stack_info import StackInfo

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cli-admin")]


def test_a_wrong_token_exits_1_with_the_problem_title(registry: Registry) -> None:
    result = admin(registry, "partners", "list", token="not-the-admin-token")

    assert result.exit_code == 1
    assert "Unauthorized (401)" in result.output
    assert "admin token" in result.output


def test_url_and_token_come_from_the_environment(registry: Registry) -> None:
    result = runner.invoke(
        app,
        ["admin", "partners", "list"],
        env={"CVIHUB_REGISTRY_URL": registry.url, "CVIHUB_ADMIN_TOKEN": ADMIN_TOKEN},
    )

    assert result.exit_code == 0, result.output
    assert "Partners" in result.output


def test_url_and_token_come_from_the_running_hub(registry: Registry, tmp_path: Path) -> None:
    StackInfo(
        kafka="unused:9092",
        urls={"registry": registry.url},
        sink_url="http://unused",
        admin_token=ADMIN_TOKEN,
        pids={},
    ).save(tmp_path / "stack.json")
    no_env = {"CVIHUB_REGISTRY_URL": None, "CVIHUB_ADMIN_TOKEN": None}

    found = runner.invoke(app, ["admin", "--data-dir", str(tmp_path), "audit"], env=no_env)
    missing = runner.invoke(
        app, ["admin", "--data-dir", str(tmp_path / "none"), "audit"], env=no_env
    )

    assert found.exit_code == 0, found.output
    assert "Audit log" in found.output
    assert missing.exit_code == 1
    assert "No registry given" in missing.output


def test_an_unreachable_registry_exits_1() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["admin", "--registry-url", url, "--token", "t", "audit"])

    assert result.exit_code == 1
    assert f"Cannot reach the registry at {url}" in result.output
