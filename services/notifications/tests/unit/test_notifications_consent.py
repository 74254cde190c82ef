"""Consent at delivery: the quoted consent record must cover the recipient; scope narrows."""

from datetime import timedelta

from notifications_builders import NOW, make_alert, make_consent, make_referral, make_subscriber

from cvihub_contracts import Classification
from cvihub_contracts.redaction import redact
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_notifications.consent import (
    QuotedConsent,
    narrow_to_consent,
    quoted_consent,
    quoted_refusal,
    referral_consent_refusal,
)
from cvihub_notifications.routing import select_recipients
from cvihub_notifications.views import PARTY_VIEW
from cvihub_registry_copy.consents import ConsentRecord

C = Classification


def _record(**overrides: object) -> ConsentRecord:
    values: dict[str, object] = {
        "consent_id": "c-1",
        "custodian_partner_id": "hospital-1",
        "recipient_partner_ids": frozenset({"cvi-1"}),
        "scope": frozenset({"contact", "injury"}),
        "withdrawn": False,
        "given_at": NOW - timedelta(days=1),
        "expires_at": None,
    }
    values.update(overrides)
    return ConsentRecord(**values)  # type: ignore[arg-type]


def test_without_a_consent_id_only_the_inline_consent_counts() -> None:
    assert referral_consent_refusal(data=make_referral(), now=NOW) is None
    uncovered = make_referral(recipient_partner_id="cvi-2")
    assert referral_consent_refusal(data=uncovered, now=NOW) == "recipient not covered by consent"


def test_a_quoted_record_must_exist_be_in_force_be_the_referrers_and_name_the_recipient() -> None:
    data = make_referral(consent=make_consent(consent_id="c-1"))
    cases = {
        "consent record unknown": None,
        "consent withdrawn": _record(withdrawn=True),
        "consent expired": _record(expires_at=NOW),
        "consent recorded by another partner": _record(custodian_partner_id="hospital-2"),
        "recipient not covered by consent": _record(recipient_partner_ids=frozenset({"cvi-2"})),
    }
    for reason, record in cases.items():
        assert referral_consent_refusal(data=data, now=NOW, record=record) == reason
    assert referral_consent_refusal(data=data, now=NOW, record=_record()) is None
    # Expiry is checked against the delivery time, not the submission time.
    later = _record(expires_at=NOW + timedelta(hours=1))
    assert referral_consent_refusal(data=data, now=NOW, record=later) is None
    assert referral_consent_refusal(data=data, now=NOW + timedelta(hours=2), record=later) == (
        "consent expired"
    )


def test_withdrawn_record_routes_nothing_to_the_recipient() -> None:
    data = make_referral(consent=make_consent(consent_id="c-1"))
    routing = select_recipients(
        data=data,
        subscribers=[make_subscriber("cvi-1")],
        granted={"cvi-1"},
        now=NOW,
        consent=_record(withdrawn=True),
    )
    assert routing.targets == []
    assert [(r.partner_id, r.reason) for r in routing.refusals] == [("cvi-1", "consent withdrawn")]


def test_scope_narrows_the_recipients_view() -> None:
    contact_only = make_referral(consent=make_consent(scope=["contact"]))
    injury_only = make_referral(consent=make_consent(scope=["injury"]))
    both = make_referral()

    def view(data: ReferralSubmittedV1, record: ConsentRecord | None = None) -> frozenset[C]:
        return narrow_to_consent(PARTY_VIEW, data=data, recipient_partner_id="cvi-1", record=record)

    assert view(both) == PARTY_VIEW
    assert view(contact_only) == PARTY_VIEW - {C.PHI}
    assert view(injury_only) == PARTY_VIEW - {C.PII}
    # A quoted record narrows further: the referral cannot claim more than was recorded.
    assert view(both, _record(scope=frozenset({"contact"}))) == PARTY_VIEW - {C.PHI}


def test_scope_narrowing_removes_the_injury_and_keeps_contact() -> None:
    data = make_referral(consent=make_consent(scope=["contact"]))
    view = narrow_to_consent(PARTY_VIEW, data=data, recipient_partner_id="cvi-1")
    redacted = redact(data, view)
    assert redacted.data["patient"]["family_name"] == "Doe"
    assert "injury" not in redacted.data or "mechanism" not in redacted.data["injury"]
    assert "#/injury/mechanism" in redacted.removed


def test_scope_does_not_narrow_other_parties_or_other_events() -> None:
    data = make_referral(consent=make_consent(scope=["contact"]))
    assert narrow_to_consent(PARTY_VIEW, data=data, recipient_partner_id="hospital-1") == (
        PARTY_VIEW
    )
    assert narrow_to_consent(PARTY_VIEW, data=make_alert(), recipient_partner_id="cvi-1") == (
        PARTY_VIEW
    )


def test_a_planned_delivery_names_the_consent_record_it_rests_on() -> None:
    data = make_referral(consent=make_consent(consent_id="c-1"))

    quoted = quoted_consent(data=data, partner_id="cvi-1")

    assert quoted == QuotedConsent("c-1", "hospital-1", "cvi-1")
    assert quoted_refusal(quoted, record=_record(withdrawn=True), now=NOW) == "consent withdrawn"
    assert quoted_refusal(quoted, record=_record(), now=NOW) is None
    # Not the recipient, no consent id, another event type: nothing to check at send time.
    assert quoted_consent(data=data, partner_id="hospital-1") is None
    assert quoted_consent(data=make_referral(), partner_id="cvi-1") is None
    assert quoted_consent(data=make_alert(), partner_id="cvi-1") is None
