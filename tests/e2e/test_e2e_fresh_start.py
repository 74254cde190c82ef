"""`./hub up --fresh`: a hub started again after the wipe holds the seed and nothing else, as
`up` runs it (SQLite files in the data dir, services forked, a new embedded broker each run)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from cvihub_cli.embedded import free_port
from cvihub_cli.stack import Stack, StackConfig
from cvihub_cli.stack_info import DEMO_SEED
from cvihub_cli.up import wipe
from cvihub_testkit import broker_for_tests

pytestmark = pytest.mark.e2e

DEMO_PARTNERS = {"mercy-hospital", "metro-police", "safe-streets", "peace-collective"}


@contextmanager
def _registry_up(data_dir: Path, external_kafka: str | None) -> Iterator[Stack]:
    """The registry (the service that keeps partners) as `up` starts it, on its own broker."""
    with broker_for_tests(external_kafka, data_dir.parent) as kafka:
        stack = Stack(
            StackConfig(
                data_dir=data_dir,
                kafka=kafka,
                ports={"registry": free_port()},
                sink_port=free_port(),
                seed_file=DEMO_SEED,
                fork_server=True,
            )
        )
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()


def _partners(stack: Stack) -> set[str]:
    assert stack.info is not None
    answer = httpx.get(
        f"{stack.info.urls['registry']}/v1/admin/partners",
        headers={"Authorization": f"Bearer {stack.info.admin_token}"},
    )
    assert answer.status_code == 200, answer.text
    return {partner["partner_id"] for partner in answer.json()}


def test_a_fresh_start_holds_the_seed_and_nothing_of_the_last_run(
    tmp_path: Path, _external_kafka: str | None
) -> None:
    data_dir = tmp_path / "var"
    with _registry_up(data_dir, _external_kafka) as first:
        assert first.info is not None
        created = httpx.post(
            f"{first.info.urls['registry']}/v1/admin/partners",
            json={"partner_id": "left-over-org", "name": "Left over", "kind": "cvi_org"},
            headers={"Authorization": f"Bearer {first.info.admin_token}"},
        )
        assert created.is_success, created.text
        assert _partners(first) == DEMO_PARTNERS | {"left-over-org"}
        token = first.info.admin_token

    deleted = wipe(data_dir)

    assert data_dir / "registry.db" in deleted
    with _registry_up(data_dir, _external_kafka) as second:
        assert _partners(second) == DEMO_PARTNERS
        assert second.info is not None and second.info.admin_token == token  # kept
