"""Subscription filters, the e-mail view cap and the e-mail notice: pure rules."""

from datetime import UTC, datetime

import pytest
from notifications_builders import NOW, make_alert, make_referral, make_subscriber

from cvihub_contracts import Classification, EventData, new_event
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.envelope import partner_source
from cvihub_contracts.redaction import redact
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications.channels.email import EmailNotice, email_body, mail_address, render_email
from cvihub_notifications.routing import matches_filters, select_recipients
from cvihub_notifications.views import EMAIL_VIEW, EVERYTHING, channel_view, field_view

ALERT = "org.cvihub.incident-alert.published"
BULLETIN = BulletinPublishedV1.event_type


def test_no_filter_matches_everything_even_without_a_zone() -> None:
    assert matches_filters(make_subscriber("cvi-1"), event_type=ALERT, zone=None)


@pytest.mark.parametrize(
    ("zones", "event_types", "event_type", "zone", "expected"),
    [
        ({"Z3"}, None, ALERT, "Z3", True),
        ({"Z3"}, None, ALERT, "Z4", False),
        ({"Z3"}, None, ALERT, None, False),  # like a grant: no zone fits no zone filter
        (None, {ALERT}, ALERT, None, True),
        (None, {BULLETIN}, ALERT, "Z3", False),
        ({"Z3", "Z4"}, {ALERT}, ALERT, "Z4", True),
        ({"Z3"}, {ALERT}, BULLETIN, "Z3", False),
    ],
)
def test_filters_narrow_by_zone_and_event_type(
    zones: set[str] | None,
    event_types: set[str] | None,
    event_type: str,
    zone: str | None,
    expected: bool,
) -> None:
    subscriber = make_subscriber(
        "cvi-1",
        zones=frozenset(zones) if zones is not None else None,
        event_types=frozenset(event_types) if event_types is not None else None,
    )
    assert matches_filters(subscriber, event_type=event_type, zone=zone) is expected


def test_a_filter_miss_drops_the_subscription_without_a_refusal() -> None:
    subscribers = [
        make_subscriber("cvi-1", zones=frozenset({"Z9"})),
        make_subscriber("cvi-2", zones=frozenset({"Z3"})),
        make_subscriber("cvi-3", subscription_id="sub-cvi-3", event_types=frozenset({BULLETIN})),
    ]
    routing = select_recipients(
        data=make_alert(),  # zone Z3
        subscribers=subscribers,
        granted={"cvi-1", "cvi-2", "cvi-3"},
        now=NOW,
    )
    assert [t.partner_id for t in routing.targets] == ["cvi-2"]
    assert routing.refusals == []  # routing facts, not refusals: nothing for the audit log


def test_one_partner_may_have_a_filtered_and_an_unfiltered_subscription() -> None:
    subscribers = [
        make_subscriber("cvi-1", subscription_id="a", zones=frozenset({"Z9"})),
        make_subscriber("cvi-1", subscription_id="b", channel=Channel.INBOX),
    ]
    routing = select_recipients(
        data=make_alert(), subscribers=subscribers, granted={"cvi-1"}, now=NOW
    )
    assert [t.subscription_id for t in routing.targets] == ["b"]


def test_a_referral_filtered_to_status_changes_only_is_not_delivered_to_that_subscription() -> None:
    subscribers = [
        make_subscriber("cvi-1", event_types=frozenset({"org.cvihub.referral.status-changed"}))
    ]
    routing = select_recipients(
        data=make_referral(), subscribers=subscribers, granted={"cvi-1"}, now=NOW
    )
    assert routing.targets == []


def test_the_email_view_is_public_only_whatever_the_grant_allows() -> None:
    police = field_view(data=make_alert(), recipient_kind="police", grant_view=EVERYTHING)
    assert Classification.CJI in police  # the grant lets CJI through to police ...
    assert channel_view(Channel.EMAIL, police) == EMAIL_VIEW  # ... never into an e-mail
    assert channel_view(Channel.WEBHOOK, police) == police
    assert channel_view(Channel.INBOX, police) == police
    # Capped, never widened: a view without PUBLIC stays without it.
    assert channel_view(Channel.EMAIL, frozenset({Classification.INTERNAL})) == frozenset()


def _notice_of(data: EventData, *, recipient_kind: str) -> EmailNotice:
    view = field_view(data=data, recipient_kind=recipient_kind, grant_view=EVERYTHING)
    event = new_event(data, source=partner_source("police-1"))
    redacted = redact(data, channel_view(Channel.EMAIL, view))
    return EmailNotice.loads(email_body(envelope=event.envelope, redacted=redacted))


def test_an_email_about_a_referral_carries_no_patient_data_even_with_a_full_grant() -> None:
    notice = _notice_of(make_referral(), recipient_kind="cvi_org")
    text = notice.subject + notice.text
    for secret in ("Alex", "Doe", "+15555550100", "GSW", "gunshot", "Nurse Kim", "hospital-1"):
        assert secret not in text
    assert "referral" in notice.subject
    assert "GET /v1/inbox" in notice.text


def test_an_email_about_an_alert_carries_no_cji_or_address_but_its_zone() -> None:
    notice = _notice_of(make_alert(), recipient_kind="police")
    text = notice.subject + notice.text
    for secret in ("CAD-2030-0001", "handgun", "1200 block", "W Main"):
        assert secret not in text
    assert "zone Z3" in notice.subject
    assert "Zone:     Z3" in notice.text


def test_rendering_names_type_time_zone_and_event_id() -> None:
    notice = render_email(
        event_type=ALERT,
        event_id="evt-1",
        event_time=datetime(2030, 5, 1, 14, 30, tzinfo=UTC),
        capped_data={"location": {"zone": "North"}},
    )
    assert notice.subject == "CVI hub: new incident alert in zone North"
    assert f"Type:     {ALERT}" in notice.text
    assert "Time:     2030-05-01 14:30 UTC" in notice.text
    assert "Event id: evt-1" in notice.text


def test_a_zone_with_line_breaks_cannot_inject_mail_headers() -> None:
    notice = render_email(
        event_type=BULLETIN,
        event_id="evt-2",
        event_time=NOW,
        capped_data={"venue": {"zone": "Z1\r\nBcc: someone@example.org"}},
    )
    assert "\n" not in notice.subject and "\r" not in notice.subject


def test_only_the_zone_of_the_data_reaches_the_text() -> None:
    notice = render_email(
        event_type=ALERT,
        event_id="evt-3",
        event_time=NOW,
        capped_data={"location": {"zone": "Z1"}, "incident_type": "shooting", "x": "leak"},
    )
    assert "leak" not in notice.text and "shooting" not in notice.text


def test_notice_round_trips_through_its_stored_form() -> None:
    notice = EmailNotice(subject="s", text="t\nü")
    assert EmailNotice.loads(notice.dumps()) == notice


def test_mail_address_of_a_mailto_uri() -> None:
    assert mail_address("mailto:ops@eastside.example") == "ops@eastside.example"
    for bad in ("mailto:", "https://x.example", "cvihub:inbox"):
        with pytest.raises(ValueError, match="mailto"):
            mail_address(bad)
