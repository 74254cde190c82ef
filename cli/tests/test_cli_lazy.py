"""`cvihub --help` and `up` import no command group they do not run."""

import subprocess
import sys

PROBE = """
import sys
from typer.testing import CliRunner
from cvihub_cli.main import app
result = CliRunner().invoke(app, {args!r})
assert result.exit_code == 0, result.output
print(result.output)
print("LOADED", sorted(m for m in sys.modules if m.startswith(("cvihub_", "fastapi", "uvicorn"))))
"""


def _loaded(*args: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=list(args))],
        capture_output=True,
        text=True,
        check=True,
    )
    output, _, loaded = done.stdout.rpartition("LOADED ")
    return output, loaded


def test_top_level_help_lists_every_group_without_importing_them() -> None:
    output, loaded = _loaded("--help")

    for command in ("up", "status", "demo", "contracts", "admin"):
        assert f" {command} " in output
    assert "Administer the registry" in output
    assert "cvihub_cli.admin" not in loaded
    assert "cvihub_contracts" not in loaded
    assert "fastapi" not in loaded and "uvicorn" not in loaded


def test_a_group_loads_when_it_is_used() -> None:
    output, loaded = _loaded("admin", "--help")

    assert "partners" in output and "replay" in output
    assert "--install-completion" not in output  # offered by `cvihub` itself, as before
    assert "cvihub_cli.admin.app" in loaded
    assert "cvihub_cli.contracts_cli" not in loaded
