"""SMTP settings from a URL, the messages built, and how failures are classified."""

import email.utils
import re

import aiosmtplib
import pytest

from cvihub_runtime.mail import SmtpConfig, build_message, check_sender, describe_failure


def test_smtp_url_defaults_to_submission_with_required_starttls() -> None:
    config = SmtpConfig.from_url("smtp://hub%40example.org:p%40ss%3Aword@mail.example.org")
    assert config == SmtpConfig(
        host="mail.example.org",
        port=587,
        username="hub@example.org",
        password="p@ss:word",
        implicit_tls=False,
        starttls=True,
        timeout=30.0,
    )
    assert "p@ss" not in repr(config) and "p@ss" not in config.describe()
    assert config.describe() == "smtp://mail.example.org:587 (STARTTLS)"


def test_smtps_url_is_implicit_tls_on_465() -> None:
    config = SmtpConfig.from_url("smtps://relay.example.org?timeout=12.5")
    assert (config.port, config.implicit_tls, config.starttls) == (465, True, False)
    assert config.timeout == 12.5
    assert config.username is None and config.password is None


def test_a_local_relay_can_go_without_tls() -> None:
    config = SmtpConfig.from_url("smtp://127.0.0.1:1025?starttls=false")
    assert (config.host, config.port, config.starttls) == ("127.0.0.1", 1025, False)
    assert config.describe().endswith("(no TLS)")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://mail.example.org", "smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://mail.example.org:99999", "bad port"),
        ("smtp://mail.example.org/inbox", "no path"),
        ("smtp://mail.example.org?tls=yes", "unknown SMTP URL option(s): tls"),
        ("smtp://mail.example.org?starttls=maybe", "true or false"),
        ("smtps://mail.example.org?starttls=true", "starttls does not apply"),
        ("smtp://mail.example.org?timeout=0", "between 0 and 600"),
        ("smtp://mail.example.org?timeout=soon", "number of seconds"),
        ("smtp://someone@mail.example.org", "no password"),
    ],
)
def test_bad_smtp_urls_are_refused_with_a_reason(url: str, words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        SmtpConfig.from_url(url)


def test_sender_addresses_are_checked() -> None:
    assert check_sender("hub@example.org") == "hub@example.org"
    assert check_sender("CVI hub <hub@example.org>") == "CVI hub <hub@example.org>"
    for bad in ("hub", "hub@localhost", "a@b.org\nBcc: x@y.org", ""):
        with pytest.raises(ValueError, match="sender"):
            check_sender(bad)


def test_a_message_has_its_own_id_date_and_plain_utf8_body() -> None:
    first = build_message(
        sender="CVI hub <hub@example.org>",
        to="worker@safestreets.example.org",
        subject="Your code",
        body="Código 123456.",
    )
    second = build_message(sender="hub@example.org", to="a@b.org", subject="s", body="b")
    assert first["From"] == "CVI hub <hub@example.org>"
    assert first["To"] == "worker@safestreets.example.org"
    assert first["Subject"] == "Your code"
    assert first["Message-ID"].endswith("@example.org>")
    assert first["Message-ID"] != second["Message-ID"]
    assert email.utils.parsedate_to_datetime(first["Date"]).tzinfo is not None
    assert first.get_content_type() == "text/plain"
    assert first.get_content().strip() == "Código 123456."


def test_a_header_cannot_be_injected_through_the_address() -> None:
    with pytest.raises(ValueError):
        build_message(sender="hub@example.org", to="a@b.org\nBcc: c@d.org", subject="s", body="b")


def test_failures_are_classified_without_quoting_the_server() -> None:
    refused = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(550, "no such user <x@y.org>", "x@y.org")]
    )
    greylisted = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(451, "try later <x@y.org>", "x@y.org")]
    )
    login = aiosmtplib.SMTPAuthenticationError(535, "bad credentials for x@y.org")
    data = aiosmtplib.SMTPDataError(554, "rejected: x@y.org")
    outcomes = [
        describe_failure(exc)
        for exc in (refused, greylisted, login, data, ConnectionRefusedError("x@y.org"))
    ]
    assert [(o.reason, o.permanent) for o in outcomes] == [
        ("recipient refused (550)", True),
        ("recipient refused (451)", False),
        ("SMTPAuthenticationError (535)", False),
        ("data (554)", True),
        ("ConnectionRefusedError", False),
    ]
    assert all("x@y.org" not in o.reason for o in outcomes)
