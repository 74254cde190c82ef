"""Seed file parsing and validation."""

from pathlib import Path

import pytest
from registry_builders import WEBHOOK_SECRET, seed_yaml

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_registry.bootstrap.seed import SeedError, load_seed, parse_seed
from cvihub_registry.bootstrap.service import seed_id

DEMO_SEED = Path(__file__).parents[4] / "deploy" / "seed" / "demo.yaml"


def test_a_valid_seed_parses_into_typed_values() -> None:
    seed = parse_seed(seed_yaml("north-hospital", "east-outreach"))
    assert [p.partner_id for p in seed.partners] == ["north-hospital", "east-outreach"]
    first = seed.partners[0]
    assert first.kind is PartnerKind.HOSPITAL
    assert first.api_keys == ["cvh_5eed00000001_seeded-test-key-not-secret"]
    assert [(g.stream, g.action) for g in first.grants] == [
        (Stream.REFERRALS, GrantAction.PUBLISH),
        (Stream.REFERRALS, GrantAction.SUBSCRIBE),
    ]
    assert str(first.subscriptions[0].url) == "http://127.0.0.1:8009/hooks/north-hospital"
    assert first.subscriptions[0].secret == WEBHOOK_SECRET


def test_an_empty_file_is_an_empty_seed() -> None:
    assert parse_seed("").partners == []


@pytest.mark.parametrize(
    ("replace", "by", "field"),
    [
        ("kind: hospital", "kind: bank", "partners.0.kind"),
        ("partner_id: north-hospital", "partner_id: North_Hospital", "partners.0.partner_id"),
        ("cvh_5eed00000001_", "key_5eed00000001_", "partners.0.api_keys"),
        ("action: publish", "action: delete", "partners.0.grants.0.action"),
        ("url: http://", "url: ftp://", "partners.0.subscriptions.0.url"),
        ("secret: whsec_", "secret: nope_", "partners.0.subscriptions.0.secret"),
        ("description:", "colour: red\n    description:", "partners.0.colour"),
    ],
)
def test_invalid_seeds_name_the_field(replace: str, by: str, field: str) -> None:
    text = seed_yaml("north-hospital")
    assert replace in text
    with pytest.raises(SeedError) as raised:
        parse_seed(text.replace(replace, by, 1))
    assert field in str(raised.value)


def test_errors_never_echo_keys_or_secrets() -> None:
    text = seed_yaml("north-hospital").replace("whsec_", "whsec_!!", 1)
    with pytest.raises(SeedError) as raised:
        parse_seed(text.replace("kind: hospital", "kind: bank"))
    message = str(raised.value)
    assert "partners.0.kind" in message
    assert "seeded-test-key-not-secret" not in message and "!!" not in message


def test_duplicate_partners_or_key_ids_are_refused() -> None:
    with pytest.raises(SeedError, match="unique"):
        parse_seed(seed_yaml("north-hospital", "north-hospital"))
    twice = seed_yaml("a-org", "b-org").replace("cvh_5eed00000002_", "cvh_5eed00000001_")
    with pytest.raises(SeedError, match="credential ids"):
        parse_seed(twice)


def test_not_yaml_and_missing_files_are_seed_errors(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="YAML"):
        parse_seed("partners: [unclosed")
    with pytest.raises(SeedError, match="cannot read"):
        load_seed(tmp_path / "missing.yaml")


def test_seed_ids_are_stable_and_distinct() -> None:
    assert seed_id("grant", "a", "referrals", "publish") == seed_id(
        "grant", "a", "referrals", "publish"
    )
    assert seed_id("grant", "a", "referrals", "publish") != seed_id(
        "grant", "a", "referrals", "subscribe"
    )


@pytest.mark.skipif(not DEMO_SEED.exists(), reason="no deploy/seed/demo.yaml in this checkout")
def test_the_demo_seed_file_is_valid() -> None:
    seed = load_seed(DEMO_SEED)
    assert seed.partners and all(p.api_keys for p in seed.partners)
