"""The SMS notice: public fields only, GSM-7, one segment where possible, never over 320."""

from datetime import UTC, datetime

import pytest
from notifications_builders import NOW, make_alert, make_referral

from cvihub_contracts import Classification, EventData, new_event
from cvihub_contracts.envelope import partner_source
from cvihub_contracts.redaction import redact
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications.channels.sms import (
    HARD_CAP,
    NO_LINK_HINT,
    SEGMENT,
    cap_septets,
    gsm7_septets,
    read_hint,
    render_sms,
    sms_body,
    sms_number,
    to_gsm7,
)
from cvihub_notifications.views import EVERYTHING, SMS_VIEW, channel_view, field_view

ALERT = "org.cvihub.incident-alert.published"
HINT = read_hint("https://hub.example.org/")
AT = datetime(2030, 5, 1, 14, 30, tzinfo=UTC)


def _sms_of(data: EventData, *, recipient_kind: str) -> str:
    view = field_view(data=data, recipient_kind=recipient_kind, grant_view=EVERYTHING)
    event = new_event(data, source=partner_source("police-1"))
    return sms_body(
        envelope=event.envelope, redacted=redact(data, channel_view(Channel.SMS, view)), hint=HINT
    )


def test_the_sms_view_is_public_only_whatever_the_grant_allows() -> None:
    police = field_view(data=make_alert(), recipient_kind="police", grant_view=EVERYTHING)
    assert Classification.CJI in police
    assert channel_view(Channel.SMS, police) == SMS_VIEW == frozenset({Classification.PUBLIC})
    assert channel_view(Channel.SMS, frozenset({Classification.PII})) == frozenset()


def test_an_alert_notice_names_kind_zone_time_and_link_in_one_segment() -> None:
    text = render_sms(
        event_type=ALERT, event_time=AT, capped_data={"location": {"zone": "North"}}, hint=HINT
    )
    assert text == (
        "CVI hub: new incident alert in zone North at 2030-05-01 14:30 UTC. "
        "Read it at https://hub.example.org/v1/inbox"
    )
    septets = gsm7_septets(text)
    assert septets is not None and septets <= SEGMENT


def test_an_alert_sms_carries_no_cji_or_address_even_to_police_with_a_full_grant() -> None:
    text = _sms_of(make_alert(), recipient_kind="police")
    for secret in ("CAD-2030-0001", "handgun", "1200 block", "W Main", "police-1", "shooting"):
        assert secret not in text
    assert "zone Z3" in text


def test_a_referral_sms_carries_no_patient_data_even_with_a_full_grant() -> None:
    text = _sms_of(make_referral(), recipient_kind="cvi_org")
    for secret in ("Alex", "Doe", "+15555550100", "GSW", "gunshot", "Nurse Kim", "hospital-1"):
        assert secret not in text
    assert text.startswith("CVI hub: new referral at ")
    assert " zone " not in text  # a referral has no zone


def test_without_a_public_url_the_notice_names_the_inbox_route() -> None:
    text = render_sms(event_type=ALERT, event_time=NOW, capped_data={}, hint=read_hint(None))
    assert text.endswith(NO_LINK_HINT) and "GET /v1/inbox" in text
    assert (gsm7_septets(text) or 0) <= SEGMENT


def test_a_long_zone_is_shortened_to_keep_one_segment() -> None:
    zone = "Northwest corridor between the river and the old rail yard by 5th"  # 64 chars
    text = render_sms(
        event_type="org.cvihub.bulletin.published",
        event_time=NOW,
        capped_data={"venue": {"zone": zone}},
        hint=HINT,
    )
    assert SEGMENT - 2 <= (gsm7_septets(text) or 0) <= SEGMENT
    assert "community bulletin in zone Northwest corridor" in text and ".. at " in text
    assert text.endswith("https://hub.example.org/v1/inbox")


def test_a_very_long_link_may_take_two_segments_but_never_more_than_320() -> None:
    long_hint = read_hint("https://hub.example.org/" + "p" * 400)
    text = render_sms(
        event_type=ALERT, event_time=NOW, capped_data={"location": {"zone": "Z3"}}, hint=long_hint
    )
    assert gsm7_septets(text) == HARD_CAP
    assert text.endswith("..")


def test_a_zone_outside_gsm7_is_transliterated_so_the_segment_stays_160() -> None:
    text = render_sms(
        event_type=ALERT,
        event_time=NOW,
        capped_data={"location": {"zone": "Łódź 北\r\nBcc"}},
        hint=HINT,
    )
    assert "zone Lodz ?Bcc at" in text  # line breaks dropped, no letter lost
    assert gsm7_septets(text) is not None  # GSM-7 throughout: no UCS-2 70-character segments
    assert "\n" not in text and "\r" not in text


def test_only_the_zone_of_the_data_reaches_the_text() -> None:
    text = render_sms(
        event_type=ALERT,
        event_time=NOW,
        capped_data={"location": {"zone": "Z1"}, "incident_type": "shooting", "x": "leak"},
        hint=HINT,
    )
    assert "leak" not in text and "shooting" not in text


@pytest.mark.parametrize(
    ("text", "septets"),
    [("abc", 3), ("é@£", 3), ("{€}", 6), ("a\nb", 3), ("ł", None), ("😀", None), ("", 0)],
)
def test_gsm7_septets_count_extension_characters_twice(text: str, septets: int | None) -> None:
    assert gsm7_septets(text) == septets


def test_to_gsm7_keeps_gsm_characters_and_replaces_the_rest() -> None:
    assert to_gsm7("Ärzte café ~[x]") == "Ärzte café ~[x]"
    converted = to_gsm7("Żółw\t\u201cñ\u201d 北")  # curly quotes
    assert converted == 'Zolw "ñ" ?' and gsm7_septets(converted) == 10


def test_cap_septets_cuts_with_a_marker_and_leaves_short_text_alone() -> None:
    assert cap_septets("short", 10) == "short"
    assert cap_septets("abcdefghij", 6) == "abcd.."
    assert cap_septets("ab{}cd", 5) == "ab.."  # an extension character takes two septets


def test_sms_number_of_an_sms_uri_never_quoted_in_the_error() -> None:
    assert sms_number("sms:+15551234567") == "+15551234567"
    for bad in ("sms:", "sms:5551234567", "sms:+0551234567", "mailto:a@b.example", "sms:+1 555"):
        with pytest.raises(ValueError, match=r"E\.164") as refused:
            sms_number(bad)
        assert bad.removeprefix("sms:") not in str(refused.value) or bad == "sms:"
