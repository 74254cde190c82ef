"""Times from partners: with a zone, not in the future beyond the skew, periods in order."""

from datetime import UTC, datetime, timedelta

import pytest
from intake_builders import bulletin_body, make_alert, make_referral, referral_body

from cvihub_contracts.bulletin.published_v1 import BulletinSubmission
from cvihub_intake.checks import Refusal, Submission, check_times

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)


def _refusal(submission: Submission) -> Refusal:
    with pytest.raises(Refusal) as caught:
        check_times(submission, now=NOW, skew=SKEW)
    return caught.value


def _consent(**fields: object) -> dict[str, object]:
    consent = dict(referral_body()["consent"])
    consent["consented_at"] = (NOW - timedelta(hours=1)).isoformat()
    consent.update(fields)
    return consent


def test_times_within_the_rules_pass() -> None:
    check_times(make_referral(consent=_consent()), now=NOW, skew=SKEW)
    check_times(
        make_alert(occurred_at=(NOW + timedelta(minutes=4)).isoformat()), now=NOW, skew=SKEW
    )


def test_a_time_without_a_zone_is_refused_naming_the_field() -> None:
    refusal = _refusal(make_alert(occurred_at="2026-05-01T11:00:00"))
    assert (refusal.kind, refusal.pointer) == ("timestamp-without-zone", "#/occurred_at")
    refusal = _refusal(make_referral(consent=_consent(consented_at="2026-05-01T11:00:00")))
    assert refusal.pointer == "#/consent/consented_at"


def test_a_happening_beyond_the_skew_is_refused() -> None:
    refusal = _refusal(make_alert(occurred_at="2999-01-01T00:00:00Z"))
    assert (refusal.kind, refusal.pointer) == ("timestamp-in-future", "#/occurred_at")
    ahead = (NOW + timedelta(days=365)).isoformat()
    refusal = _refusal(make_referral(consent=_consent(consented_at=ahead)))
    assert (refusal.kind, refusal.pointer) == ("timestamp-in-future", "#/consent/consented_at")
    injury = {"mechanism": "gunshot", "injured_on": "2026-05-09"}
    refusal = _refusal(make_referral(consent=_consent(), injury=injury))
    assert (refusal.kind, refusal.pointer) == ("date-in-future", "#/injury/injured_on")


def test_a_period_must_end_after_it_starts() -> None:
    before = (NOW - timedelta(hours=2)).isoformat()
    refusal = _refusal(make_referral(consent=_consent(expires_at=before)))
    assert (refusal.kind, refusal.pointer) == ("period-out-of-order", "#/consent/expires_at")
    naive_end = BulletinSubmission.model_validate(
        bulletin_body(starts_at="2026-06-01T10:00:00Z", ends_at=None) | {"ends_at": None}
    )
    check_times(naive_end, now=NOW, skew=SKEW)
    naive = bulletin_body(starts_at="2026-06-01T09:00:00", ends_at="2026-06-01T10:00:00")
    refusal = _refusal(BulletinSubmission.model_validate(naive))
    assert (refusal.kind, refusal.pointer) == ("timestamp-without-zone", "#/starts_at")


def test_a_period_mixing_zoned_and_unzoned_times_is_a_validation_error_not_a_crash() -> None:
    with pytest.raises(ValueError, match="time zone"):
        BulletinSubmission.model_validate(bulletin_body(ends_at="2026-06-01T10:00:00"))
