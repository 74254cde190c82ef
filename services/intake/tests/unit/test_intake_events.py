"""Building events from submissions: ids, source, partition key, classification header."""

from datetime import UTC, datetime

from intake_builders import make_alert, make_referral

from cvihub_contracts import from_kafka, partner_source, to_kafka, topics
from cvihub_intake.service import build_alert_event, build_referral_event

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_intake_referral_event_carries_caller_fresh_id_and_submission() -> None:
    submission = make_referral()

    first = build_referral_event(submission=submission, partner_id="mercy-hospital", now=NOW)
    second = build_referral_event(submission=submission, partner_id="mercy-hospital", now=NOW)

    assert first.data.referral_id != second.data.referral_id
    assert first.envelope.id != second.envelope.id
    assert first.data.referring_partner_id == "mercy-hospital"
    assert first.data.submitted_at == NOW
    assert first.envelope.source == partner_source("mercy-hospital")
    assert first.envelope.correlationid == first.envelope.id
    assert first.data.patient == submission.patient
    assert first.data.consent == submission.consent


def test_intake_referral_record_is_keyed_by_referral_and_classified_phi() -> None:
    event = build_referral_event(
        submission=make_referral(), partner_id="mercy-hospital", now=NOW, correlation_id="c-1"
    )

    record = to_kafka(event)

    assert record.topic == topics.REFERRALS
    assert record.key == str(event.data.referral_id).encode()
    assert record.headers["ce_classification"] == b"phi"
    assert record.headers["ce_correlationid"] == b"c-1"
    assert record.headers["ce_source"] == partner_source("mercy-hospital").encode()
    assert from_kafka(record.headers, record.key, record.value).data == event.data


def test_intake_alert_event_is_keyed_by_publisher_and_incident() -> None:
    submission = make_alert(source_incident_id="CAD-42")

    event = build_alert_event(submission=submission, partner_id="metro-police", now=NOW)
    record = to_kafka(event)

    assert event.data.publisher_partner_id == "metro-police"
    assert event.data.received_at == NOW
    assert event.envelope.source == partner_source("metro-police")
    assert record.topic == topics.INCIDENT_ALERTS
    assert record.key == b"metro-police/CAD-42"
    assert record.headers["ce_classification"] == b"cji"
    assert from_kafka(record.headers, record.key, record.value).data == event.data
