"""Seeded people exist after startup, once, and can sign in."""

from pathlib import Path
from typing import Any

import pytest
from registry_builders import admin, registry
from registry_people_builders import sign_in

pytestmark = pytest.mark.integration

_SEED = """
partners:
  - partner_id: safe-streets
    name: Safe Streets
    kind: cvi_org
    people:
      - {email: Lead@SafeStreets.example.org, display_name: Lead, role: partner_admin}
"""


async def test_seeded_people_are_created_once_and_sign_in(
    kafka_bootstrap: str, make_database: Any, tmp_path: Path
) -> None:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(_SEED)
    db = make_database("registry")
    async with registry(kafka_bootstrap, db, seed_file=seed_file) as client:
        signed_in = await sign_in(client, "lead@safestreets.example.org")
    async with registry(kafka_bootstrap, db, seed_file=seed_file) as client:
        people = await client.get("/v1/admin/partners/safe-streets/people", headers=admin())

    assert signed_in["person"]["role"] == "partner_admin"
    assert [p["email"] for p in people.json()] == ["lead@safestreets.example.org"]
