"""The seed loads once across restarts, and every startup re-announces every entity."""

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from registry_builders import admin, bearer, once_each, registry, seed_yaml

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import EntityStatus, GrantChangedV1
from cvihub_testkit import consume_until

pytestmark = pytest.mark.integration

ENTITIES_PER_PARTNER = 5  # partner, key, two grants, one subscription
RECORDS_PER_PARTNER = 6  # and the partner's directory entry, published with it


async def test_seed_is_idempotent_and_startup_snapshots_everything(
    kafka_bootstrap: str, make_database: Any, tmp_path: Path
) -> None:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(seed_yaml("north-hospital", "east-outreach"))
    seeded_key = "cvh_5eed00000001_seeded-test-key-not-secret"
    db = make_database("registry")

    async with registry(kafka_bootstrap, db, seed_file=seed_file) as client:
        me = await client.get("/v1/partners/me", headers=bearer(seeded_key))
        assert me.status_code == 200 and me.json()["partner_id"] == "north-hospital"
        grants = (await client.get("/v1/admin/grants", headers=admin())).json()
        assert len(grants) == 4
        revoked_id = grants[0]["grant_id"]
        assert (
            await client.delete(f"/v1/admin/grants/{revoked_id}", headers=admin())
        ).status_code == 204

    async with registry(kafka_bootstrap, db, seed_file=seed_file) as client:
        partners = (await client.get("/v1/admin/partners", headers=admin())).json()
        assert [p["partner_id"] for p in partners] == ["east-outreach", "north-hospital"]
        grants = (await client.get("/v1/admin/grants", headers=admin())).json()
        assert len(grants) == 4  # the revoked seeded grant was neither recreated nor restored
        assert [g["status"] for g in grants if g["grant_id"] == revoked_id] == ["revoked"]
        subs = (await client.get("/v1/admin/subscriptions", headers=admin())).json()
        assert len(subs) == 2
        audit = (await client.get("/v1/admin/audit?limit=1000", headers=admin())).json()
        seed_changes = [e for e in audit if e["actor"] == "seed"]
        assert len(seed_changes) == 2 * ENTITIES_PER_PARTNER
        assert sum(e["action"] == "snapshot.published" for e in audit) == 2

        # Read while the registry runs: its outbox relay may still be publishing the snapshot.
        total = 2 * RECORDS_PER_PARTNER
        records = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            once_each(
                lambda r: dict(r.headers).get("ce_correlationid", b"").startswith(b"snapshot-")
            ),
            count=2 * total,
            timeout=40.0,
        )
    snapshots: dict[bytes, list[Any]] = defaultdict(list)
    for record in records:
        headers = dict(record.headers)
        snapshots[headers["ce_correlationid"]].append(from_kafka(headers, record.key, record.value))
    assert len(snapshots) == 2
    subjects = [{e.envelope.subject for e in events} for events in snapshots.values()]
    assert all(len(s) == total for s in subjects) and subjects[0] == subjects[1]
    event_ids = {e.envelope.id for events in snapshots.values() for e in events}
    assert len(event_ids) == 2 * total  # fresh ids, so replicas' inboxes do not skip them

    def revoked_grant(events: list[Any]) -> GrantChangedV1:
        found = [e.data for e in events if getattr(e.data, "grant_id", None) == revoked_id]
        assert len(found) == 1 and isinstance(found[0], GrantChangedV1)
        return found[0]

    first, second = sorted(
        (revoked_grant(events) for events in snapshots.values()), key=lambda g: g.sequence
    )
    assert first.status is EntityStatus.ACTIVE
    assert second.status is EntityStatus.REVOKED
