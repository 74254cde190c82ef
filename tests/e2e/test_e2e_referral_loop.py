"""`./hub demo referral-loop` end to end: a network referral from the hospital to completion,
every step seen by the party it is for and by no other."""

import pytest
from typer.testing import CliRunner

from cvihub_cli.demo import DemoStep
from cvihub_cli.demo_loop import OTHER, OWNER, run_referral_loop
from cvihub_cli.main import app as cli
from cvihub_cli.stack import Stack

# Shares the session's hub with the other modules of its group (see conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("shared-hub")]

STEPS = [
    "hospital records the consent",
    "hospital posts a referral to the network",
    "offered to both matching CVI organisations, nobody else",
    "an offer carries no person",
    f"{OWNER} accepts",
    f"{OTHER} sees it withdrawn",
    f"{OWNER} reads the patient the consent covers",
    "hospital sees it accepted",
    "first contact overdue: the owner is reminded",
    "contact attempt 1: no answer",
    "hospital withdraws the consent",
    f"from then on {OWNER} reads no patient; status and history remain",
    "contact attempt 2: reached",
    "a service delivered",
    "completed",
    "hospital sees each step, not the receiver's case notes",
    "no delivery to an organisation carried the patient",
    "aggregates show the walk, small counts suppressed, no person",
]


def test_the_referral_loop_walks_every_step_to_the_right_party(hub: Stack) -> None:
    assert hub.info is not None
    steps: list[DemoStep] = []

    result = run_referral_loop(hub.info, report=steps.append, timeout=30.0)

    assert [(s.name, s.ok) for s in steps] == [(name, True) for name in STEPS], [
        f"{s.name}: {s.detail}" for s in steps if not s.ok
    ]
    assert result.ok


def test_the_command_prints_each_step_and_exits_zero(hub: Stack) -> None:
    walked = CliRunner().invoke(
        cli, ["demo", "referral-loop", "--data-dir", str(hub.config.data_dir)]
    )

    assert walked.exit_code == 0, walked.output
    assert walked.output.count("✔ ok") == len(STEPS)
    assert "FAILED" not in walked.output
