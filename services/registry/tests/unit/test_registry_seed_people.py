"""Seed files may list each partner's people."""

import pytest

from cvihub_registry.bootstrap.seed import SeedError, parse_seed
from cvihub_registry.people.domain import PersonRole

_SEED = """
partners:
  - partner_id: safe-streets
    name: Safe Streets
    kind: cvi_org
    people:
      - {email: lead@safestreets.example.org, display_name: Lead, role: partner_admin}
      - {email: %s, display_name: Worker, role: outreach_worker}
"""


def test_people_are_parsed_with_their_roles() -> None:
    seed = parse_seed(_SEED % "w@safestreets.example.org")
    roles = [p.role for p in seed.partners[0].people]
    assert roles == [PersonRole.PARTNER_ADMIN, PersonRole.OUTREACH_WORKER]


def test_duplicate_or_malformed_emails_are_refused_without_echoing_them() -> None:
    with pytest.raises(SeedError, match="unique") as duplicate:
        parse_seed(_SEED % "LEAD@safestreets.example.org")
    with pytest.raises(SeedError, match="people") as malformed:
        parse_seed(_SEED % "not-an-email")
    assert "LEAD@" not in str(duplicate.value) and "not-an-email" not in str(malformed.value)
