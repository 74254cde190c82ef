"""`cvihub demo referral-loop` prints each step with ok or FAILED and exits 1 on any failure."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cvihub_cli import demo_loop
from cvihub_cli.demo import DemoResult, DemoStep
from cvihub_cli.main import app
from cvihub_cli.stack_info import StackInfo


def _walk(*steps: DemoStep) -> Callable[..., DemoResult]:
    def walk(info: StackInfo, *, report: Callable[[DemoStep], None], **_: Any) -> DemoResult:
        for step in steps:
            report(step)
        return DemoResult(list(steps))

    return walk


@pytest.mark.parametrize(("second_ok", "exit_code"), [(True, 0), (False, 1)])
def test_each_step_is_printed_and_a_failure_fails_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, second_ok: bool, exit_code: int
) -> None:
    StackInfo("k:1", {"referrals": "http://127.0.0.1:1"}, "http://127.0.0.1:2", "t", {}).save(
        tmp_path / "stack.json"
    )
    steps = (DemoStep("offered", True, "to two"), DemoStep("accepted", second_ok, "HTTP 409"))
    monkeypatch.setattr(demo_loop, "run_referral_loop", _walk(*steps))

    walked = CliRunner().invoke(app, ["demo", "referral-loop", "--data-dir", str(tmp_path)])

    assert walked.exit_code == exit_code, walked.output
    assert "✔ ok offered: to two" in walked.output
    mark = "✔ ok" if second_ok else "✘ FAILED"
    assert f"{mark} accepted: HTTP 409" in walked.output
