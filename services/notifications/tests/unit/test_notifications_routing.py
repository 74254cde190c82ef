"""Who receives which event: pure routing decisions."""

from datetime import timedelta

from notifications_builders import (
    NOW,
    make_alert,
    make_consent,
    make_referral,
    make_status_change,
    make_subscriber,
)

from cvihub_notifications.routing import select_recipients


def test_alert_goes_to_granted_subscribers_except_the_publisher() -> None:
    subscribers = [make_subscriber(p) for p in ("cvi-1", "cvi-2", "police-1")]
    routing = select_recipients(
        data=make_alert(publisher_partner_id="police-1"),
        subscribers=subscribers,
        granted={"cvi-1", "cvi-2", "police-1"},
        now=NOW,
    )
    assert [t.partner_id for t in routing.targets] == ["cvi-1", "cvi-2"]


def test_alert_skips_a_subscriber_without_grant() -> None:
    routing = select_recipients(
        data=make_alert(),
        subscribers=[make_subscriber("cvi-1"), make_subscriber("cvi-2")],
        granted={"cvi-2"},
        now=NOW,
    )
    assert [t.partner_id for t in routing.targets] == ["cvi-2"]


def test_referral_goes_only_to_its_consented_granted_recipient() -> None:
    routing = select_recipients(
        data=make_referral(),
        subscribers=[make_subscriber("cvi-1"), make_subscriber("cvi-2")],
        granted={"cvi-1", "cvi-2"},
        now=NOW,
    )
    assert [t.partner_id for t in routing.targets] == ["cvi-1"]
    assert routing.refusals == []


def test_referral_without_subscribe_grant_goes_nowhere() -> None:
    routing = select_recipients(
        data=make_referral(), subscribers=[make_subscriber("cvi-1")], granted=set(), now=NOW
    )
    assert routing.targets == []
    assert [(r.partner_id, r.reason) for r in routing.refusals] == [("cvi-1", "no subscribe grant")]


def test_referral_outside_consent_goes_nowhere() -> None:
    referral = make_referral(consent=make_consent(recipient_partner_ids=["cvi-2"]))
    routing = select_recipients(
        data=referral, subscribers=[make_subscriber("cvi-1")], granted={"cvi-1"}, now=NOW
    )
    assert routing.targets == []
    assert [r.reason for r in routing.refusals] == ["recipient not covered by consent"]


def test_referral_with_expired_consent_goes_nowhere() -> None:
    referral = make_referral(consent=make_consent(expires_at=NOW - timedelta(seconds=1)))
    routing = select_recipients(
        data=referral, subscribers=[make_subscriber("cvi-1")], granted={"cvi-1"}, now=NOW
    )
    assert routing.targets == []
    assert [r.reason for r in routing.refusals] == ["consent expired"]


def test_referral_with_consent_still_running_is_delivered() -> None:
    referral = make_referral(consent=make_consent(expires_at=NOW + timedelta(days=1)))
    routing = select_recipients(
        data=referral, subscribers=[make_subscriber("cvi-1")], granted={"cvi-1"}, now=NOW
    )
    assert [t.partner_id for t in routing.targets] == ["cvi-1"]


def test_referral_to_granted_recipient_without_subscription_is_noted() -> None:
    routing = select_recipients(data=make_referral(), subscribers=[], granted={"cvi-1"}, now=NOW)
    assert routing.targets == []
    assert [r.reason for r in routing.refusals] == ["no active subscription"]


def test_status_change_goes_to_the_other_party_not_the_changer() -> None:
    subscribers = [make_subscriber("hospital-1"), make_subscriber("cvi-1")]
    routing = select_recipients(
        data=make_status_change(changed_by_partner_id="cvi-1"),
        subscribers=subscribers,
        granted={"hospital-1", "cvi-1"},
        now=NOW,
    )
    assert [t.partner_id for t in routing.targets] == ["hospital-1"]


def test_status_change_by_a_third_party_goes_to_both_parties_with_grants() -> None:
    subscribers = [make_subscriber("hospital-1"), make_subscriber("cvi-1")]
    routing = select_recipients(
        data=make_status_change(changed_by_partner_id="hub-admin"),
        subscribers=subscribers,
        granted={"cvi-1"},
        now=NOW,
    )
    assert [t.partner_id for t in routing.targets] == ["cvi-1"]
    assert [(r.partner_id, r.reason) for r in routing.refusals] == [
        ("hospital-1", "no subscribe grant")
    ]
