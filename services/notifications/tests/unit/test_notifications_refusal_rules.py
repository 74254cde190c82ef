"""Which delivery refusals reach the audit log: named partners yes, routing facts no."""

from datetime import UTC, datetime

from notifications_builders import make_alert, make_consent, make_referral, make_subscriber

from cvihub_notifications import audit
from cvihub_notifications.routing import OUT_OF_SCOPE, select_recipients
from cvihub_registry_copy import GrantTerms

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def test_routing_facts_are_counted_not_audited() -> None:
    in_north = GrantTerms(zones=frozenset({"north"}), field_view=None)
    alert = make_alert()
    routing = select_recipients(
        data=alert.model_copy(
            update={"location": alert.location.model_copy(update={"zone": "south"})}
        ),
        subscribers=[make_subscriber("cvi-1")],
        granted={"cvi-1"},
        now=NOW,
        terms={"cvi-1": in_north},
    )

    assert [r.reason for r in routing.refusals] == [OUT_OF_SCOPE]
    assert not audit.audited(OUT_OF_SCOPE)
    assert not audit.audited("no active subscription")


def test_refusals_of_a_named_partner_are_audited() -> None:
    not_consented = make_referral(
        recipient_partner_id="cvi-2", consent=make_consent(recipient_partner_ids=["cvi-1"])
    )
    routing = select_recipients(
        data=not_consented, subscribers=[make_subscriber("cvi-2")], granted={"cvi-2"}, now=NOW
    )
    ungranted = select_recipients(
        data=make_referral(), subscribers=[make_subscriber("cvi-1")], granted=set(), now=NOW
    )

    [consent] = routing.refusals
    [grant] = ungranted.refusals
    assert audit.audited(consent.reason)
    assert grant.reason == "no subscribe grant"
    assert audit.audited(grant.reason)
