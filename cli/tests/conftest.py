"""Fixtures of the CLI tests: one real registry (real broker, real database) for every admin
test module, and a tiny HTTP server that answers what a test tells it to."""

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# --import-mode=importlib keeps test dirs off sys.path; the helper module has a unique name.
sys.path.insert(0, str(Path(__file__).parent))

from cli_admin_helpers import ADMIN_TOKEN, CannedServer, Registry

from cvihub_cli.embedded import free_port
from cvihub_runtime.secretbox import new_fernet_key
from cvihub_testkit import broker_for_tests, databases_for_tests


@pytest.fixture(scope="session")
def registry(
    _external_kafka: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    """One registry for the admin modules (one xdist group), served over HTTP from a thread."""
    import uvicorn  # imported here: the unit tests of this folder need no registry

    from cvihub_registry.app import create_app
    from cvihub_registry.settings import RegistrySettings

    with (
        broker_for_tests(_external_kafka, tmp_path_factory.mktemp("kafka")) as bootstrap,
        databases_for_tests(tmp_path_factory.mktemp("db")) as make_database,
    ):
        database = make_database("registry")
        settings = RegistrySettings(
            kafka_bootstrap_servers=bootstrap,
            database_url=database.url,
            database_schema=database.schema,
            admin_token=ADMIN_TOKEN,
            secret_key=new_fernet_key(),
            log_json=False,
        )
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings),
                host="127.0.0.1",
                port=port,
                log_config=None,
                log_level="warning",
                lifespan="on",
            )
        )
        thread = threading.Thread(target=server.run, name="registry", daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive(), "the registry stopped while starting"
            assert time.monotonic() < deadline, "the registry did not start within 60 s"
            time.sleep(0.05)
        try:
            yield Registry(url=f"http://127.0.0.1:{port}", database=database)
        finally:
            server.should_exit = True
            thread.join(timeout=30)


@pytest.fixture
def canned_server() -> Iterator[CannedServer]:
    """A loopback HTTP server that records each request and answers with the canned reply."""
    server = CannedServer()
    try:
        yield server
    finally:
        server.close()
