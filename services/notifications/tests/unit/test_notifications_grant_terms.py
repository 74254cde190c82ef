"""A grant's terms in routing and redaction: zone scope, field view and the hard floor."""

import pytest
from notifications_builders import NOW, make_alert, make_referral, make_subscriber

from cvihub_contracts import Classification
from cvihub_contracts.alert.incident_alert_v1 import Location
from cvihub_contracts.bulletin.published_v1 import Venue
from cvihub_contracts.examples import bulletin_published
from cvihub_contracts.redaction import redact
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_notifications.routing import select_recipients
from cvihub_notifications.views import field_view
from cvihub_registry_copy import GrantTerms

C = Classification
NORTH_EAST = GrantTerms(zones=frozenset({"north", "east"}), field_view=None)
EVERYWHERE = GrantTerms(zones=None, field_view=None)


def _route(data: object, terms: dict[str, GrantTerms]) -> tuple[list[str], list[tuple[str, str]]]:
    routing = select_recipients(
        data=data,  # type: ignore[arg-type]
        subscribers=[make_subscriber(p) for p in sorted(terms)],
        granted=set(terms),
        now=NOW,
        terms=terms,
    )
    return (
        [t.partner_id for t in routing.targets],
        [(r.partner_id, r.reason) for r in routing.refusals],
    )


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("north", ["scoped", "wide"]), ("east", ["scoped", "wide"]), ("south", ["wide"])],
)
def test_alert_reaches_a_zone_scoped_grantee_only_in_its_zones(
    zone: str, expected: list[str]
) -> None:
    alert = make_alert(location=Location(block_address="100 block of Main St", zone=zone))

    targets, refusals = _route(alert, {"scoped": NORTH_EAST, "wide": EVERYWHERE})

    assert targets == expected
    assert refusals == ([] if "scoped" in expected else [("scoped", "out of scope")])


def test_alert_without_a_zone_does_not_match_a_zone_scoped_grant() -> None:
    alert = make_alert(location=Location(block_address="100 block of Main St", zone=None))

    targets, refusals = _route(alert, {"scoped": NORTH_EAST, "wide": EVERYWHERE})

    assert targets == ["wide"]
    assert refusals == [("scoped", "out of scope")]


def test_bulletin_without_venue_zone_goes_only_to_unscoped_grantees() -> None:
    in_north = bulletin_published().model_copy(update={"publisher_partner_id": "publisher"})
    nowhere = in_north.model_copy(update={"venue": Venue(name="Online")})

    assert _route(in_north, {"scoped": NORTH_EAST, "wide": EVERYWHERE})[0] == ["scoped", "wide"]
    assert _route(nowhere, {"scoped": NORTH_EAST, "wide": EVERYWHERE})[0] == ["wide"]


def test_referrals_stay_addressed_only_whatever_the_zones() -> None:
    targets, _ = _route(make_referral(), {"cvi-1": NORTH_EAST, "cvi-2": EVERYWHERE})

    assert targets == ["cvi-1"]


def test_the_grants_field_view_replaces_the_default() -> None:
    alert = make_alert()
    view = field_view(
        data=alert, recipient_kind=PartnerKind.CVI_ORG.value, grant_view=frozenset({C.PUBLIC})
    )

    redacted = redact(alert, view)

    assert view == frozenset({C.PUBLIC})
    assert "#/location/zone" not in redacted.removed
    assert "revision" not in redacted.data  # internal: outside this grant's view


def test_cji_never_reaches_a_non_police_partner_whatever_the_grant_says() -> None:
    alert = make_alert()
    view = field_view(
        data=alert, recipient_kind=PartnerKind.CVI_ORG.value, grant_view=frozenset(Classification)
    )

    redacted = redact(alert, view)

    assert C.CJI not in view
    assert "source_incident_id" not in redacted.data
    assert "weapon_type" not in redacted.data


def test_phi_and_part2_never_reach_police_whatever_the_grant_says() -> None:
    referral = make_referral()
    view = field_view(
        data=referral, recipient_kind=PartnerKind.POLICE.value, grant_view=frozenset(Classification)
    )

    redacted = redact(referral, view)

    assert C.PHI not in view and C.PART2 not in view and C.CJI in view
    assert "description" not in redacted.data["injury"]
    assert redacted.data["patient"]["family_name"] == "Doe"
