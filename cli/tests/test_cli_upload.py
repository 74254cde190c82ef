"""`cvihub upload FILE` against a real intake served by uvicorn (real broker, real database)."""

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from cvihub_cli.embedded import free_port
from cvihub_cli.main import app
from cvihub_contracts import GrantAction, Stream, new_event, service_source, to_kafka
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    EntityStatus,
    GrantChangedV1,
    PartnerChangedV1,
    PartnerKind,
)
from cvihub_intake.app import create_app
from cvihub_intake.settings import IntakeSettings
from cvihub_registry_copy import hash_api_key
from cvihub_testkit import TestDatabase, produce

pytestmark = pytest.mark.integration

API_KEY = "cvh_upl0ad01_" + "k" * 32
runner = CliRunner()


def _announce(bootstrap: str) -> None:
    now = datetime.now(UTC)
    changes = [
        PartnerChangedV1(
            partner_id="sheet-org",
            name="Sheet org",
            kind=PartnerKind.CVI_ORG,
            status=EntityStatus.ACTIVE,
            sequence=1,
            changed_at=now,
        ),
        CredentialChangedV1(
            credential_id="upl0ad01",
            partner_id="sheet-org",
            key_sha256=hash_api_key(API_KEY),
            status=EntityStatus.ACTIVE,
            sequence=1,
            changed_at=now,
        ),
        GrantChangedV1(
            grant_id="sheet-org-bulletins",
            partner_id="sheet-org",
            stream=Stream.BULLETINS,
            action=GrantAction.PUBLISH,
            status=EntityStatus.ACTIVE,
            sequence=1,
            changed_at=now,
        ),
    ]
    records = [to_kafka(new_event(c, source=service_source("registry"))) for c in changes]
    asyncio.run(produce(bootstrap, *records))


def test_upload_shows_the_report_and_writes_it(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase], tmp_path: Path
) -> None:
    database = make_database("intake")
    settings = IntakeSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database.url,
        database_schema=database.schema,
        log_json=False,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, name="intake", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline
            time.sleep(0.05)
        _announce(kafka_bootstrap)
        auth = {"Authorization": f"Bearer {API_KEY}"}
        while httpx.get(f"{url}/v1/submissions/x", headers=auth).status_code == 401:
            assert time.monotonic() < deadline + 30, "the key never reached intake"
            time.sleep(0.1)
        sheet = tmp_path / "walks.csv"
        sheet.write_text(
            "kind,title,summary,starts_at\n"
            "event,Walk,A walk.,2027-03-01T10:00:00Z\n"
            "event,Walk two,A walk.,2027-03-01T10:00:00\n",
            encoding="utf-8",
        )
        report = tmp_path / "report.csv"

        result = runner.invoke(
            app,
            ["upload", str(sheet), "--intake-url", url, "--report", str(report)],
            env={"CVIHUB_API_KEY": API_KEY, "COLUMNS": "200"},
        )

        assert result.exit_code == 0, result.output
        assert "done: 1 accepted, 1 refused" in result.output
        assert "starts_at" in result.output and "timezone info" in result.output
        assert "timezone_aware" in report.read_text()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
