"""Seeded grants may carry zones and a field view; bad terms are refused by name."""

from pathlib import Path

import pytest

from cvihub_contracts import Classification, Stream
from cvihub_registry.bootstrap.seed import SeedError, load_seed, parse_seed

DEMO_SEED = Path(__file__).parents[4] / "deploy" / "seed" / "demo.yaml"

SEED = """
partners:
  - partner_id: east-outreach
    name: East Outreach
    kind: cvi_org
    grants:
      - {stream: incident-alerts, action: subscribe, zones: [north, east],
         field_view: [public, internal]}
"""


def test_seeded_grant_terms_parse_into_typed_values() -> None:
    grant = parse_seed(SEED).partners[0].grants[0]

    assert grant.zones == ["north", "east"]
    assert grant.field_view == [Classification.PUBLIC, Classification.INTERNAL]


@pytest.mark.parametrize(
    ("terms", "field"), [("zones: []", "zones"), ("field_view: [secret]", "field_view.0")]
)
def test_bad_seeded_terms_are_named(terms: str, field: str) -> None:
    text = SEED.replace("field_view: [public, internal]", terms)

    with pytest.raises(SeedError, match=field):
        parse_seed(text)


def test_the_demo_scopes_safe_streets_alerts_to_north_and_east() -> None:
    partners = {p.partner_id: p for p in load_seed(DEMO_SEED).partners}

    alerts = [g for g in partners["safe-streets"].grants if g.stream is Stream.INCIDENT_ALERTS]

    assert [g.zones for g in alerts] == [["north", "east"]]
