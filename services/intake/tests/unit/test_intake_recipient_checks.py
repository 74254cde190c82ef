"""The recipient and consent checks a referral must pass."""

from datetime import UTC, datetime, timedelta

import pytest
from intake_builders import RECIPIENT, make_referral, referral_body
from pydantic import ValidationError

from cvihub_intake.service import Refusal, check_recipient

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def _consent(**changes: object) -> dict[str, object]:
    consent = dict(referral_body()["consent"])
    consent["consented_at"] = (NOW - timedelta(hours=1)).isoformat()  # before any expiry here
    consent.update(changes)
    return consent


def test_intake_referral_to_active_covered_recipient_passes() -> None:
    future = (NOW + timedelta(days=30)).isoformat()
    submission = make_referral(consent=_consent(expires_at=future))

    check_recipient(submission=submission, recipient_is_active=True, now=NOW)


def test_intake_referral_to_unknown_recipient_is_refused() -> None:
    with pytest.raises(Refusal) as refused:
        check_recipient(submission=make_referral(), recipient_is_active=False, now=NOW)

    assert refused.value.kind == "unknown-recipient"
    assert refused.value.pointer == "#/recipient_partner_id"


def test_intake_referral_outside_consent_is_refused() -> None:
    submission = make_referral(consent=_consent(recipient_partner_ids=["peace-collective"]))

    with pytest.raises(Refusal) as refused:
        check_recipient(submission=submission, recipient_is_active=True, now=NOW)

    assert refused.value.kind == "consent-does-not-cover-recipient"


@pytest.mark.parametrize(
    "expires_at",
    [(NOW - timedelta(seconds=1)).isoformat(), NOW.isoformat()],
    ids=["past", "now"],
)
def test_intake_referral_with_expired_consent_is_refused(expires_at: str) -> None:
    submission = make_referral(consent=_consent(expires_at=expires_at))

    with pytest.raises(Refusal) as refused:
        check_recipient(submission=submission, recipient_is_active=True, now=NOW)

    assert refused.value.kind == "consent-expired"
    assert refused.value.pointer == "#/consent/expires_at"


def test_intake_referral_with_an_expiry_without_offset_is_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError) as refused:
        make_referral(consent=_consent(expires_at="2025-03-04T11:00:00"))

    assert [e["loc"] for e in refused.value.errors()] == [("consent", "expires_at")]


def test_intake_unknown_recipient_is_reported_before_consent() -> None:
    submission = make_referral(recipient_partner_id="nobody", consent=_consent(expires_at=None))
    assert submission.recipient_partner_id != RECIPIENT

    with pytest.raises(Refusal) as refused:
        check_recipient(submission=submission, recipient_is_active=False, now=NOW)

    assert refused.value.kind == "unknown-recipient"


NETWORK = {"services": ["mentoring"], "zone": "east", "language": "es"}


def test_intake_referral_to_the_network_passes_with_its_criteria() -> None:
    submission = make_referral(
        recipient_partner_id="network",
        consent=_consent(recipient_partner_ids=["network"]),
        network=NETWORK,
    )

    # No partner is called `network`: the referrals service offers it to the matching ones.
    check_recipient(submission=submission, recipient_is_active=False, now=NOW)


@pytest.mark.parametrize(
    ("recipient", "network"), [("network", None), (RECIPIENT, NETWORK)], ids=["none", "to-one"]
)
def test_intake_network_criteria_go_with_the_network_only(
    recipient: str, network: dict[str, object] | None
) -> None:
    submission = make_referral(
        recipient_partner_id=recipient,
        consent=_consent(recipient_partner_ids=[recipient]),
        network=network,
    )

    with pytest.raises(Refusal) as refused:
        check_recipient(submission=submission, recipient_is_active=True, now=NOW)

    assert (refused.value.kind, refused.value.pointer) == ("network-criteria-mismatch", "#/network")
