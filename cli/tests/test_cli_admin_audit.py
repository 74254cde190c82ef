"""`cvihub admin audit` against a real registry."""

import sqlite3

import httpx
import pytest
from cli_admin_helpers import Registry, admin, ok, row

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cli-admin")]


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
