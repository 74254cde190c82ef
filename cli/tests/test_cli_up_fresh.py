"""`cvihub up --fresh`: what it deletes of the last run, what it keeps, and when it refuses."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cvihub_cli.main import app
from cvihub_cli.stack_info import StackInfo
from cvihub_cli.up import wipe


def _last_run(data_dir: Path, pids: dict[str, int]) -> None:
    """What a stopped `up` leaves in its data dir."""
    (data_dir / "logs").mkdir(parents=True)
    (data_dir / "logs" / "registry.log").write_text("started")
    for name in ("registry", "intake", "referrals", "notifications"):
        (data_dir / f"{name}.db").write_bytes(b"SQLite format 3\x00")
    (data_dir / "registry.db-wal").write_bytes(b"wal")
    (data_dir / "secret.key").write_text("key")
    (data_dir / "admin.token").write_text("token")
    (data_dir / "notes.txt").write_text("the operator's own file")
    StackInfo(kafka="k", urls={}, sink_url="s", admin_token="t", pids=pids).save(
        data_dir / "stack.json"
    )


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_wipe_deletes_databases_logs_and_stack_file_and_keeps_the_keys(tmp_path: Path) -> None:
    _last_run(tmp_path, {"registry": _dead_pid()})

    deleted = wipe(tmp_path)

    assert sorted(path.name for path in deleted) == [
        "intake.db", "logs", "notifications.db", "referrals.db", "registry.db",
        "registry.db-wal", "stack.json",
    ]  # fmt: skip
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "admin.token", "notes.txt", "secret.key",
    ]  # fmt: skip
    assert wipe(tmp_path) == []  # nothing left to delete: a second fresh start is fine too


def test_wipe_refuses_while_a_hub_runs_from_the_data_dir(tmp_path: Path) -> None:
    _last_run(tmp_path, {"registry": _dead_pid(), "intake": os.getpid()})

    with pytest.raises(RuntimeError, match="a hub still runs"):
        wipe(tmp_path)
    assert (tmp_path / "registry.db").exists()


def test_up_fresh_refuses_without_deleting_while_a_hub_runs(tmp_path: Path) -> None:
    _last_run(tmp_path, {"registry": os.getpid()})

    result = CliRunner().invoke(app, ["up", "--fresh", "--data-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "a hub still runs" in result.output
    assert (tmp_path / "registry.db").exists()
