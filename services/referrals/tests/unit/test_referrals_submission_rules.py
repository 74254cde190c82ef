"""Times of a submitted referral: aware, not after the submission beyond the skew, in order."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from referrals_builders import make_submitted

from cvihub_contracts import ContractViolation
from cvihub_contracts.referral.submitted_v1 import Consent, Injury, InjuryMechanism
from cvihub_referrals.submission_rules import check_times

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)


def _consent(**overrides: object) -> Consent:
    values: dict[str, object] = {
        "consented_by": "patient",
        "consented_at": NOW - timedelta(hours=1),
        "recipient_partner_ids": ["safe-streets"],
    }
    values.update(overrides)
    return Consent(**values)  # type: ignore[arg-type]


def test_a_referral_within_the_rules_passes_including_the_skew() -> None:
    check_times(
        make_submitted(submitted_at=NOW, consent=_consent(consented_at=NOW + timedelta(minutes=4))),
        skew=SKEW,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"consent": _consent(consented_at=NOW + timedelta(minutes=6))}, "consent.consented_at"),
        (
            {"injury": Injury(mechanism=InjuryMechanism.ASSAULT, injured_on=date(2024, 5, 2))},
            "injury.injured_on",
        ),
    ],
    ids=["consent-future", "injury-future"],
)
def test_each_refusal_names_its_field(overrides: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"submitted_at": NOW, "consent": _consent(), **overrides}
    with pytest.raises(ContractViolation) as refused:
        check_times(make_submitted(**values), skew=SKEW)
    assert refused.value.reason.startswith(field + " ")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"consented_at": datetime(2024, 5, 1, 11)}, "consented_at"),  # no zone
        ({"expires_at": datetime(2025, 1, 1)}, "expires_at"),  # no zone
        ({"expires_at": NOW - timedelta(hours=2)}, "expires_at"),  # before the consent
    ],
    ids=["consent-naive", "expiry-naive", "expiry-before-consent"],
)
def test_the_contract_refuses_naive_times_and_disordered_periods(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _consent(**overrides)
    assert [error["loc"][0] for error in refused.value.errors()] == [field]
