"""Pytest fixtures for tests against a real broker and a real database (loaded by the root
conftest.py). Services never import the test kit; import-linter holds them to it."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cvihub_cli.embedded import embedded_consumer_env
from cvihub_testkit.broker import (
    TEST_FETCH_MAX_WAIT_MS,
    broker_for_tests,
    docker_answers,
    uses_embedded_broker,
)
from cvihub_testkit.databases import TestDatabase, databases_for_tests
from cvihub_testkit.keys import data_keys_env


def pytest_configure(config: pytest.Config) -> None:
    """Give every service started in this run (in process or as a process) consumer settings
    that suit the embedded broker, unless the tests run against a real cluster, and a generated
    data key ring."""
    for name, value in data_keys_env().items():
        os.environ.setdefault(name, value)
    if uses_embedded_broker():
        for name, value in embedded_consumer_env(fetch_max_wait_ms=TEST_FETCH_MAX_WAIT_MS).items():
            os.environ.setdefault(name, value)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make `--dist loadgroup` keep each `xdist_group` in one worker under pytest 9.

    pytest-xdist 3.8 (the newest) marks a grouped test by suffixing `item._nodeid` with
    `@<group>`; pytest 9 keeps the node id in `item._id` and never reads `_nodeid`, so every
    group was scattered over the workers. Until xdist follows, set the suffix where pytest 9
    reads it; nothing happens without loadgroup or when xdist already did it."""
    if not getattr(config.option, "loadgroup", False):  # set in xdist workers only
        return
    from _pytest.nodeid import coerce_node_id  # pytest 9's own parser of node ids

    for item in items:
        marks = item.iter_markers("xdist_group")
        groups = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks}
        )
        if groups and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")


@pytest.fixture(scope="session")
def _external_kafka() -> Iterator[str | None]:
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield servers
    elif os.environ.get("CVIHUB_TEST_BROKER") == "testcontainers":
        if not docker_answers():
            pytest.fail("CVIHUB_TEST_BROKER=testcontainers but no Docker engine answers")
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
    else:
        yield None


@pytest.fixture
def kafka_bootstrap(_external_kafka: str | None, tmp_path: Path) -> Iterator[str]:
    """host:port of a Kafka-protocol broker for this test."""
    with broker_for_tests(_external_kafka, tmp_path) as bootstrap:
        yield bootstrap


@pytest.fixture
def make_database(tmp_path: Path) -> Iterator[Callable[[str], TestDatabase]]:
    """A factory: make_database("intake") gives a fresh, empty database for that service."""
    with databases_for_tests(tmp_path) as make:
        yield make
