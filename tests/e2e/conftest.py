"""One running hub per e2e test module: real processes, started the way `./hub up` does."""

from collections.abc import Iterator

import pytest

from cvihub_cli.embedded import free_port
from cvihub_cli.stack import DEMO_SEED, SERVICES, Stack, StackConfig
from cvihub_testkit import broker_for_tests, databases_for_tests


@pytest.fixture(scope="module")
def hub(_external_kafka: str | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The broker, four services on fresh databases, the demo partners and the demo sink."""
    base = tmp_path_factory.mktemp("hub")
    sink_port = free_port()
    seed = base / "seed.yaml"
    seed.write_text(DEMO_SEED.read_text().replace("127.0.0.1:8009", f"127.0.0.1:{sink_port}"))
    with broker_for_tests(_external_kafka, base) as kafka, databases_for_tests(base) as make_db:
        config = StackConfig(
            data_dir=base,
            kafka=kafka,
            ports={name: free_port() for name in SERVICES},
            sink_port=sink_port,
            seed_file=seed,
            database={name: (db.url, db.schema) for name in SERVICES for db in [make_db(name)]},
        )
        stack = Stack(config)
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()
