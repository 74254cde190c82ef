"""Running hubs for the end-to-end tests: real processes, started the way `./hub up` does.

`hub` is one hub shared by every module that leaves it as a partner would (each test makes its
own partners, keys or referrals, or puts back what it changed). Under pytest-xdist those modules
run in one worker (`xdist_group("shared-hub")`, with `--dist loadgroup`), so one hub serves them
all. A module that kills or replaces processes asks for `fresh_hub`, a hub of its own.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cvihub_cli.embedded import free_port
from cvihub_cli.stack import Stack, StackConfig
from cvihub_cli.stack_info import DEMO_SEED, SERVICES
from cvihub_testkit import broker_for_tests, databases_for_tests

# The portal's browser helpers (portal_browser.py) sit beside the tests that use them.
sys.path.insert(0, str(Path(__file__).parent))


@contextmanager
def started_hub(
    base: Path, external_kafka: str | None, services: tuple[str, ...] = tuple(SERVICES)
) -> Iterator[Stack]:
    """The broker, the services and the portal on fresh databases, the demo partners and sink."""
    sink_port = free_port()
    seed = base / "seed.yaml"
    seed.write_text(DEMO_SEED.read_text().replace("127.0.0.1:8009", f"127.0.0.1:{sink_port}"))
    with broker_for_tests(external_kafka, base) as kafka, databases_for_tests(base) as make_db:
        config = StackConfig(
            data_dir=base,
            kafka=kafka,
            ports={name: free_port() for name in services},
            sink_port=sink_port,
            seed_file=seed,
            database={name: (db.url, db.schema) for name in services for db in [make_db(name)]},
            fork_server=True,  # as `./hub up` starts them
            # The demo sink listens on http://127.0.0.1 (the egress rules' development setting).
            extra_env={"NOTIFICATIONS_WEBHOOK_ALLOW_INSECURE_LOOPBACK": "true"},
        )
        stack = Stack(config)
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()


@pytest.fixture(scope="session")
def hub(_external_kafka: str | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The hub the shared-hub modules use, started once per test session (per xdist worker)."""
    with started_hub(tmp_path_factory.mktemp("hub"), _external_kafka) as stack:
        yield stack


@pytest.fixture(scope="module")
def fresh_hub(
    _external_kafka: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A hub of the module's own, for tests that kill, restart or add processes (without the
    portal, which none of them uses: one process fewer to start)."""
    services = tuple(name for name in SERVICES if name != "portal")
    with started_hub(tmp_path_factory.mktemp("fresh-hub"), _external_kafka, services) as stack:
        yield stack
