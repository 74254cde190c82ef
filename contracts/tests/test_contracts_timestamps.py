"""Timestamps in events: aware only, occurrences not ahead of the clock, periods in order; each
refusal names its field."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from cvihub_contracts import from_kafka, new_event, service_source, timestamps, to_kafka
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertSubmission
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertSubmissionV2, IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinSubmission
from cvihub_contracts.envelope import Envelope
from cvihub_contracts.examples import (
    bulletin_published,
    consent_changed,
    grant_changed,
    incident_alert,
    incident_alert_v2,
    referral_submitted,
)
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission
from cvihub_contracts.registry.changes_v1 import GrantChangedV1
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1

NOW = datetime.now(UTC)


def _refusal(model: type[BaseModel], data: dict[str, Any], **context: Any) -> tuple[Any, str]:
    """The location and message of the one error validating `data` gives."""
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data, context=context or None)
    [error] = refused.value.errors()
    return error["loc"], error["msg"]


def _alert(**overrides: Any) -> dict[str, Any]:
    body = incident_alert().model_dump(include=set(IncidentAlertSubmission.model_fields))
    return {**body, **overrides}


def _referral(**consent: Any) -> dict[str, Any]:
    body = referral_submitted().model_dump(include=set(ReferralSubmission.model_fields))
    body["consent"] = {**body["consent"], **consent}
    return body


@pytest.fixture
def skew_of_an_hour() -> Iterator[None]:
    timestamps.set_future_skew(timedelta(hours=1))
    yield
    timestamps.set_future_skew(timestamps.DEFAULT_FUTURE_SKEW)


def test_a_time_without_a_zone_is_refused_naming_the_field() -> None:
    loc, message = _refusal(IncidentAlertSubmission, _alert(occurred_at="2026-11-01T22:15:00"))
    assert loc == ("occurred_at",) and "timezone" in message
    envelope = {
        "id": "e-1",
        "source": "/test",
        "type": "t",
        "time": "2026-11-01T22:15:00",
        "dataschema": "s",
        "partitionkey": "k",
        "correlationid": "c",
        "classification": "internal",
    }
    assert _refusal(Envelope, envelope)[0] == ("time",)


def test_an_alert_from_2999_is_refused_and_one_within_the_skew_accepted() -> None:
    loc, message = _refusal(IncidentAlertSubmission, _alert(occurred_at="2999-01-01T00:00:00Z"))
    assert loc == ("occurred_at",)
    assert "occurred_at is in the future (more than 5 min" in message
    now = datetime.now(UTC)  # not NOW: the module may have been imported minutes ago
    soon = now + timedelta(minutes=4)
    assert IncidentAlertSubmission.model_validate(_alert(occurred_at=soon)).occurred_at == soon
    late = (now + timedelta(minutes=6)).isoformat()
    assert _refusal(IncidentAlertSubmission, _alert(occurred_at=late))[0] == ("occurred_at",)
    v2 = incident_alert_v2().model_dump(include=set(IncidentAlertSubmissionV2.model_fields))
    v2 |= {"occurred_at": "2999-01-01T00:00:00+02:00"}
    assert _refusal(IncidentAlertSubmissionV2, v2)[0] == ("occurred_at",)


def test_the_skew_comes_from_the_context_or_the_module_setting(skew_of_an_hour: None) -> None:
    in_half_an_hour = datetime.now(UTC) + timedelta(minutes=30)
    assert IncidentAlertSubmission.model_validate(_alert(occurred_at=in_half_an_hour))
    loc, message = _refusal(
        IncidentAlertSubmission,
        _alert(occurred_at=in_half_an_hour),
        future_skew=timedelta(minutes=1),
    )
    assert loc == ("occurred_at",) and "1 min" in message
    # A replay validates against the time it happened: `now` in the context.
    assert IncidentAlertSubmission.model_validate(
        _alert(occurred_at=datetime(2030, 1, 1, tzinfo=UTC)),
        context={"now": datetime(2030, 1, 1, tzinfo=UTC)},
    )
    with pytest.raises(ValueError, match="negative"):
        timestamps.set_future_skew(timedelta(seconds=-1))


def test_a_referral_consented_next_year_or_injured_tomorrow_is_refused() -> None:
    next_year = (NOW + timedelta(days=365)).isoformat()
    loc, message = _refusal(ReferralSubmission, _referral(consented_at=next_year))
    assert loc == ("consent", "consented_at") and "consented_at is in the future" in message
    body = _referral()
    body["injury"] = {**body["injury"], "injured_on": (NOW + timedelta(days=2)).date()}
    assert _refusal(ReferralSubmission, body)[0] == ("injury", "injured_on")
    body = _referral()
    body["patient"] = {**body["patient"], "date_of_birth": (NOW + timedelta(days=2)).date()}
    assert _refusal(ReferralSubmission, body)[0] == ("patient", "date_of_birth")
    # Today is a valid injury day in every zone.
    body = _referral()
    body["injury"] = {**body["injury"], "injured_on": NOW.date()}
    assert ReferralSubmission.model_validate(body).injury.injured_on == NOW.date()


def test_periods_end_after_they_start() -> None:
    consent = referral_submitted().consent
    before = (consent.consented_at - timedelta(days=1)).isoformat()
    loc, message = _refusal(ReferralSubmission, _referral(expires_at=before))
    assert loc == ("consent", "expires_at") and "expires_at must be after consented_at" in message

    grant = grant_changed().model_dump() | {
        "starts_at": "2031-01-02T00:00:00Z",
        "expires_at": "2031-01-01T00:00:00Z",
    }
    assert _refusal(GrantChangedV1, grant) == (
        ("expires_at",),
        "Value error, expires_at must be after starts_at",
    )

    record = consent_changed()
    given = record.given_at
    for field in ("expires_at", "withdrawn_at"):
        data = record.model_dump() | {field: given - timedelta(minutes=1)}
        assert _refusal(ConsentChangedV1, data)[0] == (field,)
    withdrawn_at_once = record.model_dump() | {"withdrawn_at": given}
    assert ConsentChangedV1.model_validate(withdrawn_at_once).withdrawn_at == given

    bulletin = bulletin_published().model_dump(include=set(BulletinSubmission.model_fields))
    bulletin |= {"starts_at": "2031-01-02T10:00:00Z", "ends_at": "2031-01-02T09:00:00Z"}
    assert _refusal(BulletinSubmission, bulletin)[0] == ("ends_at",)
    # Bulletins announce what is to come: a start next year is fine.
    bulletin |= {"ends_at": None}
    assert BulletinSubmission.model_validate(bulletin).starts_at is not None


def test_an_accepted_event_is_not_held_to_the_readers_clock() -> None:
    """Built by a service or read from the broker, an event was checked when it was submitted."""
    later = datetime(2030, 5, 1, tzinfo=UTC)
    built = IncidentAlertV2(**(incident_alert_v2().model_dump() | {"occurred_at": later}))
    record = to_kafka(new_event(built, source=service_source("intake")))
    read = from_kafka(dict(record.headers), record.key, record.value).data
    assert isinstance(read, IncidentAlertV2) and read.occurred_at == later
    # Unless a validation asks for the clock check by its context.
    loc, _ = _refusal(IncidentAlertV2, built.model_dump(), future_skew=timedelta(0))
    assert loc == ("occurred_at",)
    # A naive time is refused everywhere, events included.
    with pytest.raises(ValidationError, match="timezone"):
        IncidentAlertV2(**(built.model_dump() | {"occurred_at": "2030-05-01T00:00:00"}))
    # Period order holds everywhere, accepted or not.
    with pytest.raises(ValidationError, match="expires_at must be after starts_at"):
        GrantChangedV1(**(grant_changed().model_dump() | {"starts_at": later, "expires_at": later}))
