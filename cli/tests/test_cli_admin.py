"""`cvihub admin` against a real registry served by uvicorn (real broker, real database)."""

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner, Result

from cvihub_cli.embedded import free_port
from cvihub_cli.main import app
from cvihub_cli.stack import StackInfo
from cvihub_registry.app import create_app
from cvihub_registry.settings import RegistrySettings
from cvihub_runtime.secretbox import new_fernet_key
from cvihub_testkit import TestDatabase, broker_for_tests, databases_for_tests

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "cli-admin-test-token-0123456789"
runner = CliRunner()


@dataclass(frozen=True)
class Registry:
    """A registry running for this module."""

    url: str
    database: TestDatabase


@pytest.fixture(scope="module")
def registry(
    _external_kafka: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    """One registry for the whole module, served over HTTP from a background thread."""
    # kafka_bootstrap and make_database are per test; their helpers give one per module.
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


def admin(registry: Registry, *args: str, token: str = ADMIN_TOKEN) -> Result:
    """Run `cvihub admin` with explicit options against the module's registry."""
    return runner.invoke(
        app,
        ["admin", "--registry-url", registry.url, "--token", token, *args],
        env={"COLUMNS": "300"},
    )


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def field(output: str, name: str) -> str:
    """A value from a printed object (a two-column table)."""
    match = re.search(rf"│ {re.escape(name)}\s+│ (.*?)\s*│", output)
    assert match, f"no {name} in:\n{output}"
    return match.group(1)


def row(output: str, first_cell: str) -> str:
    """The line of a printed table whose row contains `first_cell`."""
    lines = [line for line in output.splitlines() if first_cell in line]
    assert len(lines) == 1, output
    return lines[0]


def test_onboarding_a_partner_end_to_end(registry: Registry) -> None:
    created = ok(
        admin(
            registry, "partners", "create", "safe-streets", "--name", "Safe Streets",
            "--kind", "cvi_org", "--email", "ops@safe-streets.example",
        )
    )  # fmt: skip
    assert field(created, "status") == "active"
    assert field(created, "contact_email") == "ops@safe-streets.example"
    assert "Safe Streets" in row(ok(admin(registry, "partners", "list")), "safe-streets")

    issued = ok(admin(registry, "keys", "issue", "safe-streets"))
    credential_id = re.search(r"credential id: (\S+)", issued)
    assert credential_id, issued
    assert "shown only now" in issued
    api_key = issued.strip().splitlines()[-1]
    assert api_key.startswith(f"cvh_{credential_id.group(1)}_")
    keys = ok(admin(registry, "keys", "list", "safe-streets"))
    assert "active" in row(keys, credential_id.group(1))
    assert api_key not in keys

    grant = ok(
        admin(
            registry, "grants", "create", "safe-streets", "incident-alerts", "subscribe",
            "--zone", "north", "--zone", "east", "--field-view", "public",
            "--purpose", "outreach", "--agreement-ref", "DSA-7",
        )
    )  # fmt: skip
    grant_id = field(grant, "grant_id")
    assert field(grant, "zones") == "north, east"
    assert field(grant, "field_view") == "public"
    listed = row(ok(admin(registry, "grants", "list", "--partner", "safe-streets")), grant_id)
    assert "DSA-7" in listed
    assert "active" in listed

    added = ok(
        admin(
            registry, "subscriptions", "add", "safe-streets", "incident-alerts",
            "https://safe-streets.example/hooks",
        )
    )  # fmt: skip
    subscription_id = field(added, "subscription_id")
    assert added.strip().splitlines()[-1].startswith("whsec_")
    subs = ok(admin(registry, "subscriptions", "list", "--partner", "safe-streets"))
    assert "https://safe-streets.example/hooks" in row(subs, subscription_id)

    assert field(ok(admin(registry, "partners", "suspend", "safe-streets")), "status") == (
        "suspended"
    )
    assert field(ok(admin(registry, "partners", "reactivate", "safe-streets")), "status") == (
        "active"
    )

    ok(admin(registry, "keys", "revoke", credential_id.group(1)))
    ok(admin(registry, "grants", "revoke", grant_id))
    ok(admin(registry, "subscriptions", "remove", subscription_id))
    keys_after = ok(admin(registry, "keys", "list", "safe-streets"))
    assert "revoked" in row(keys_after, credential_id.group(1))
    assert "revoked" in row(ok(admin(registry, "grants", "list")), grant_id)
    assert "revoked" in row(ok(admin(registry, "subscriptions", "list")), subscription_id)

    audit = ok(admin(registry, "audit", "--limit", "100"))
    assert "safe-streets" in audit
    assert ok(admin(registry, "audit", "verify")).startswith("audit chain intact")


def test_optional_terms_are_sent_only_when_given(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "mercy-er", "--name", "Mercy", "--kind", "hospital"))

    grant = ok(admin(registry, "grants", "create", "mercy-er", "referrals", "publish"))
    issued = ok(
        admin(registry, "keys", "issue", "mercy-er", "--expires-at", "2031-01-02T03:04:05Z")
    )

    assert field(grant, "zones") == ""
    assert field(grant, "field_view") == ""
    assert field(grant, "purpose") == ""
    assert "expires at:    2031-01-02T03:04:05Z" in issued


def test_an_sms_subscription_takes_a_phone_number(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "sms-cvi", "--name", "SMS", "--kind", "cvi_org"))
    ok(admin(registry, "grants", "create", "sms-cvi", "incident-alerts", "subscribe"))

    added = ok(
        admin(
            registry, "subscriptions", "add", "sms-cvi", "incident-alerts",
            "--channel", "sms", "--phone", "+15551234567", "--zone", "north",
        )
    )  # fmt: skip
    subscription_id = field(added, "subscription_id")
    assert field(added, "channel") == "sms"
    assert field(added, "url") == "sms:+15551234567"
    assert "signing secret" not in added  # only webhooks have one
    listed = row(ok(admin(registry, "subscriptions", "list", "--partner", "sms-cvi")), "sms-cvi")
    assert subscription_id in listed and "sms" in listed

    bad = admin(
        registry, "subscriptions", "add", "sms-cvi", "incident-alerts",
        "--channel", "sms", "--phone", "555-0100",
    )  # fmt: skip
    assert bad.exit_code == 1
    assert "(422)" in bad.output
    assert "#/phone: " in bad.output
    assert "555-0100" not in bad.output  # the API does not echo the number back


def test_keys_carry_scopes_through_issue_list_and_rotate(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "scoped-cvi", "--name", "Scoped", "--kind", "cvi_org"))

    issued = ok(
        admin(
            registry, "keys", "issue", "scoped-cvi",
            "--scope", "deliveries:read", "--scope", "referrals:read",
        )
    )  # fmt: skip
    credential_id = re.search(r"credential id: (\S+)", issued)
    assert credential_id, issued
    assert "scopes:        referrals:read deliveries:read" in issued
    listed = row(ok(admin(registry, "keys", "list", "scoped-cvi")), credential_id.group(1))
    assert "referrals:read, deliveries:read" in listed

    rotated = ok(admin(registry, "keys", "rotate", credential_id.group(1)))
    assert f"replaces {credential_id.group(1)}" in rotated
    assert "scopes:        referrals:read deliveries:read" in rotated  # kept
    narrowed = ok(
        admin(registry, "keys", "rotate", credential_id.group(1), "--scope", "deliveries:read")
    )
    assert "scopes:        deliveries:read\n" in narrowed

    unknown = admin(registry, "keys", "issue", "scoped-cvi", "--scope", "referrals:delete")
    assert unknown.exit_code == 1
    assert "(422)" in unknown.output
    assert "#/scopes/0" in unknown.output


def test_a_validation_error_prints_each_pointer(registry: Registry) -> None:
    result = admin(
        registry, "partners", "create", "Not An Id!", "--name", "X", "--kind", "spaceship",
        "--email", "not-an-email",
    )  # fmt: skip

    assert result.exit_code == 1
    assert "(422)" in result.output
    assert "3 field(s) failed validation" in result.output
    for pointer in ("#/partner_id: ", "#/kind: ", "#/contact_email: "):
        assert pointer in result.output
    assert "Not An Id!" not in result.output  # the API does not echo values back


def _geojson(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _square(west: float, south: float, east: float, north: float) -> list[list[float]]:
    """A closed ring, clockwise (GIS tools often draw them so; the registry turns them)."""
    return [[west, south], [west, north], [east, north], [east, south], [west, south]]


def test_a_service_area_is_drawn_from_a_geojson_file_and_summed_up(
    registry: Registry, tmp_path: Path
) -> None:
    humboldt = {"type": "Polygon", "coordinates": [_square(-87.74, 41.89, -87.69, 41.92)]}
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": "HP"}, "geometry": humboldt}],
    }
    created = ok(
        admin(
            registry, "partners", "create", "area-cvi", "--name", "Area CVI", "--kind", "cvi_org",
            "--service-area-file", str(_geojson(tmp_path / "hp.geojson", collection)),
        )
    )  # fmt: skip
    summary = "Polygon: 1 ring, 5 positions, bbox -87.74,41.89 to -87.69,41.92 (lon,lat)"
    assert field(created, "service_area") == summary
    assert field(ok(admin(registry, "partners", "show", "area-cvi")), "service_area") == summary

    squares = [_square(-87.74, 41.89, -87.69, 41.92), _square(-87.79, 41.87, -87.75, 41.91)]
    two = {"type": "MultiPolygon", "coordinates": [[square] for square in squares]}
    feature = {"type": "Feature", "geometry": two, "properties": None}
    updated = ok(
        admin(
            registry, "partners", "update", "area-cvi",
            "--service-area-file", str(_geojson(tmp_path / "two.geojson", feature)),
        )
    )  # fmt: skip
    assert field(updated, "service_area") == (
        "MultiPolygon: 2 polygons, 2 rings, 10 positions, bbox -87.79,41.87 to -87.69,41.92 "
        "(lon,lat)"
    )
    stored = httpx.get(
        f"{registry.url}/v1/admin/partners/area-cvi",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ).json()["service_area"]
    assert stored["type"] == "MultiPolygon" and len(stored["coordinates"]) == 2

    cleared = ok(admin(registry, "partners", "update", "area-cvi", "--clear-service-area"))
    assert field(cleared, "service_area") == "none"


def test_a_bad_service_area_file_exits_1_saying_why(registry: Registry, tmp_path: Path) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[-87.74, 41.89], [-87.69, 41.92], [-87.69, 41.89], [-87.74, 41.92],
                         [-87.74, 41.89]]],
    }  # fmt: skip
    crossing = admin(
        registry, "partners", "create", "bowtie-org", "--name", "B", "--kind", "cvi_org",
        "--service-area-file", str(_geojson(tmp_path / "bow.geojson", bow_tie)),
    )  # fmt: skip
    assert crossing.exit_code == 1
    assert "(422)" in crossing.output
    assert "#/service_area/coordinates/0: not a valid shape: self-intersection" in crossing.output

    several = {"type": "FeatureCollection", "features": [{}, {}]}
    collection = admin(
        registry, "partners", "create", "bowtie-org", "--name", "B", "--kind", "cvi_org",
        "--service-area-file", str(_geojson(tmp_path / "two.geojson", several)),
    )  # fmt: skip
    assert collection.exit_code == 1
    assert "FeatureCollection of 2 features" in collection.output
    assert admin(registry, "partners", "show", "bowtie-org").exit_code == 1  # nothing created

    missing = admin(
        registry, "partners", "update", "area-cvi", "--service-area-file", str(tmp_path / "no")
    )
    assert missing.exit_code == 1 and "cannot read" in missing.output
    neither = admin(registry, "partners", "update", "area-cvi")
    assert neither.exit_code == 1 and "--service-area-file PATH or --clear" in neither.output


def test_an_unknown_id_prints_the_problem(registry: Registry) -> None:
    result = admin(registry, "partners", "show", "nobody-here")

    assert result.exit_code == 1
    assert "Not Found (404)" in result.output


def test_a_wrong_token_exits_1_with_the_problem_title(registry: Registry) -> None:
    result = admin(registry, "partners", "list", token="not-the-admin-token")

    assert result.exit_code == 1
    assert "Unauthorized (401)" in result.output
    assert "admin token" in result.output


def test_url_and_token_come_from_the_environment(registry: Registry) -> None:
    result = runner.invoke(
        app,
        ["admin", "partners", "list"],
        env={"CVIHUB_REGISTRY_URL": registry.url, "CVIHUB_ADMIN_TOKEN": ADMIN_TOKEN},
    )

    assert result.exit_code == 0, result.output
    assert "Partners" in result.output


def test_url_and_token_come_from_the_running_hub(registry: Registry, tmp_path: Path) -> None:
    StackInfo(
        kafka="unused:9092",
        urls={"registry": registry.url},
        sink_url="http://unused",
        admin_token=ADMIN_TOKEN,
        pids={},
    ).save(tmp_path / "stack.json")
    no_env = {"CVIHUB_REGISTRY_URL": None, "CVIHUB_ADMIN_TOKEN": None}

    found = runner.invoke(app, ["admin", "--data-dir", str(tmp_path), "audit"], env=no_env)
    missing = runner.invoke(
        app, ["admin", "--data-dir", str(tmp_path / "none"), "audit"], env=no_env
    )

    assert found.exit_code == 0, found.output
    assert "Audit log" in found.output
    assert missing.exit_code == 1
    assert "No registry given" in missing.output


def test_consents_list_and_show(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "consent-hosp", "--name", "H", "--kind", "hospital"))
    ok(admin(registry, "partners", "create", "consent-cvi", "--name", "C", "--kind", "cvi_org"))
    ok(admin(registry, "grants", "create", "consent-hosp", "referrals", "publish"))
    api_key = ok(admin(registry, "keys", "issue", "consent-hosp")).strip().splitlines()[-1]
    body = {
        "recipient_partner_ids": ["consent-cvi"],
        "scope": ["contact"],
        "purpose": "referral",
        "given_at": "2026-01-01T00:00:00+00:00",
    }
    recorded = httpx.post(
        f"{registry.url}/v1/consents", json=body, headers={"Authorization": f"Bearer {api_key}"}
    )
    assert recorded.status_code == 201, recorded.text
    consent_id = recorded.json()["consent_id"]

    listed = row(ok(admin(registry, "consents", "list", "--custodian", "consent-hosp")), consent_id)
    assert "consent-cvi" in listed and "active" in listed
    assert consent_id not in ok(admin(registry, "consents", "list", "--custodian", "consent-cvi"))
    shown = ok(admin(registry, "consents", "show", consent_id))
    assert field(shown, "custodian_partner_id") == "consent-hosp"
    assert field(shown, "scope") == "contact"
    missing = admin(registry, "consents", "show", "no-such-consent")
    assert missing.exit_code == 1 and "consent" in missing.output.lower()


def test_an_unreachable_registry_exits_1() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["admin", "--registry-url", url, "--token", "t", "audit"])

    assert result.exit_code == 1
    assert f"Cannot reach the registry at {url}" in result.output


def test_audit_verify_exits_1_on_a_tampered_entry(registry: Registry) -> None:
    if not registry.database.url.startswith("sqlite"):
        pytest.skip("PostgreSQL refuses updates of audit rows (trigger)")
    ok(admin(registry, "partners", "create", "tamper-target", "--name", "T", "--kind", "city"))
    path = registry.database.url.split(":///", 1)[1]
    with sqlite3.connect(path) as db:
        entry_id, actor = db.execute(
            "SELECT id, actor FROM audit_log ORDER BY id LIMIT 1"
        ).fetchone()
        db.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = ?", (entry_id,))
    try:
        result = admin(registry, "audit", "verify")
    finally:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE audit_log SET actor = ? WHERE id = ?", (actor, entry_id))

    assert result.exit_code == 1
    assert "audit chain BROKEN" in result.output
    assert f"first bad entry: {entry_id} " in result.output
    assert ok(admin(registry, "audit", "verify")).startswith("audit chain intact")


def test_audit_lists_refusals_and_filters_by_action(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "refused-org", "--name", "R", "--kind", "cvi_org"))
    api_key = ok(admin(registry, "keys", "issue", "refused-org")).strip().splitlines()[-1]
    refused = httpx.post(
        f"{registry.url}/v1/partners/me/subscriptions",
        json={"stream": "bulletins", "url": "https://refused.example/hooks"},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert refused.status_code == 403

    refusals = ok(admin(registry, "audit", "--refusals", "--limit", "1000"))
    created = ok(admin(registry, "audit", "--action", "partner.created", "--limit", "1000"))

    assert "Refusals" in refusals
    line = row(refusals, "refused-org")
    assert "not-granted" in line
    assert "registry" in line
    assert "partner.created" not in refusals
    assert "refused-org" in created
    assert "access.refused" not in created
    assert "credential.issued" not in created


def test_named_administrators_work_with_their_own_keys(registry: Registry) -> None:
    created = ok(
        admin(
            registry, "administrators", "create", "m.okafor", "--name", "Mo Okafor",
            "--role", "auditor", "--expires-in-days", "30",
        )
    )  # fmt: skip
    assert "administrator m.okafor (auditor)" in created
    auditor_key = created.strip().splitlines()[-1]
    assert auditor_key.startswith("cva_")
    assert field(ok(admin(registry, "administrators", "whoami", token=auditor_key)), "actor") == (
        "admin:m.okafor"
    )
    ok(admin(registry, "partners", "list", token=auditor_key))
    refused = admin(
        registry, "partners", "create", "nope-org", "--name", "Nope", "--kind", "cvi_org",
        token=auditor_key,
    )  # fmt: skip
    assert refused.exit_code == 1
    assert "auditor role may not" in refused.output

    ok(admin(registry, "administrators", "set-role", "m.okafor", "admin"))
    made = ok(
        admin(
            registry, "partners", "create", "okafor-org", "--name", "Okafor", "--kind", "cvi_org",
            token=auditor_key,
        )
    )  # fmt: skip
    assert field(made, "status") == "active"
    shown = ok(admin(registry, "administrators", "show", "m.okafor"))
    assert field(shown, "role") == "admin"
    assert auditor_key not in shown
    assert "m.okafor" in row(ok(admin(registry, "administrators", "list")), "m.okafor")
    assert "admin:m.okafor" in row(ok(admin(registry, "audit", "--limit", "5")), "okafor-org")

    ok(admin(registry, "administrators", "disable", "m.okafor"))
    assert admin(registry, "partners", "list", token=auditor_key).exit_code == 1
