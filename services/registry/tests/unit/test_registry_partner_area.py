"""Partner areas in the seed and the change event; the streams catalog from the contracts."""

import pytest
from registry_builders import make_partner

from cvihub_contracts import Classification, Stream, topics
from cvihub_contracts.registry.changes_v1 import PartnerChangedV1
from cvihub_registry.bootstrap.seed import SeedError, parse_seed
from cvihub_registry.events import change_of
from cvihub_registry.grants.streams import stream_catalog

_SEED = """
partners:
  - partner_id: org-a
    name: Org A
    kind: cvi_org
    zones: [north]
    beats: ["0211"]
    community_areas: [Austin]
    services_offered: [street outreach]
    website: {website}
"""


def test_seed_partners_carry_areas_services_and_website() -> None:
    seeded = parse_seed(_SEED.format(website="https://a.example")).partners[0]
    assert (seeded.zones, seeded.beats, seeded.community_areas) == (["north"], ["0211"], ["Austin"])
    assert seeded.services_offered == ["street outreach"] and seeded.website == "https://a.example"


def test_seed_refuses_a_website_that_is_not_http() -> None:
    with pytest.raises(SeedError, match="website"):
        parse_seed(_SEED.format(website="ftp://a.example"))


def test_partner_change_carries_its_areas_as_revision_1() -> None:
    event = change_of(make_partner(zones=["north"], beats=["0211"], community_areas=["Austin"]))
    assert isinstance(event, PartnerChangedV1)
    assert (event.zones, event.beats, event.community_areas) == (["north"], ["0211"], ["Austin"])
    assert PartnerChangedV1.dataschema().endswith("/v1.3.json")  # revision 3: rate_limit
    # A revision 0 payload (no areas) still reads, with empty areas.
    old = event.model_dump(mode="json", exclude={"zones", "beats", "community_areas"})
    assert PartnerChangedV1.model_validate(old).zones == []


def test_stream_catalog_lists_each_stream_with_its_topic_and_events() -> None:
    catalog = {info.stream: info for info in stream_catalog()}
    assert set(catalog) == set(Stream)
    assert catalog[Stream.BULLETINS].topic == topics.BULLETINS
    referrals = catalog[Stream.REFERRALS]
    assert {e.event_type for e in referrals.events} == {
        "org.cvihub.referral.submitted",
        "org.cvihub.referral.status-changed",
    }
    assert referrals.highest_classification in {Classification.PHI, Classification.PART2}
    assert all(e.dataschema.startswith("https://schemas.cvihub.org/") for e in referrals.events)
