"""SmtpSender against a real SMTP server (aiosmtpd on loopback): TLS, login, refusals."""

import pytest

from cvihub_runtime.mail import MailDeliveryError, SmtpConfig, SmtpSender
from cvihub_testkit.mail import SmtpTestServer, free_port, self_signed_tls

pytestmark = pytest.mark.integration

TO = "worker@safestreets.example.org"


async def test_starttls_with_login_delivers_one_message() -> None:
    tls = self_signed_tls()
    server = SmtpTestServer(login=("hub@example.org", "s3cret:pass"), starttls=tls.server)
    url = f"smtp://hub%40example.org:s3cret%3Apass@127.0.0.1:{server.port}?timeout=5"
    sender = SmtpSender(
        SmtpConfig.from_url(url), "CVI hub <hub@example.org>", tls_context=tls.client
    )
    with server.running():
        await sender.send(to=TO, subject="Your code", body="Your code is 123456.")
    [received] = server.received
    assert received.rcpt_tos == [TO]
    assert received.mail_from == "hub@example.org"
    assert received.message["Subject"] == "Your code"
    assert received.message["Message-ID"].endswith("@example.org>")
    assert "123456" in received.text


async def test_implicit_tls_delivers() -> None:
    tls = self_signed_tls()
    server = SmtpTestServer(implicit_tls=tls.server)
    sender = SmtpSender(
        SmtpConfig.from_url(f"smtps://127.0.0.1:{server.port}?timeout=5"),
        "hub@example.org",
        tls_context=tls.client,
    )
    with server.running():
        await sender.send(to=TO, subject="s", body="over TLS")
    assert [r.text.strip() for r in server.received] == ["over TLS"]


async def test_starttls_is_required_unless_turned_off() -> None:
    server = SmtpTestServer()  # offers no STARTTLS
    config = SmtpConfig.from_url(f"smtp://127.0.0.1:{server.port}?timeout=5")
    with server.running(), pytest.raises(MailDeliveryError) as raised:
        await SmtpSender(config, "hub@example.org").send(to=TO, subject="s", body="b")
    assert raised.value.permanent is False
    assert server.received == []


async def test_a_wrong_password_and_a_refused_mailbox_are_told_apart() -> None:
    tls = self_signed_tls()
    server = SmtpTestServer(login=("hub", "right"), starttls=tls.server, refuse={TO})
    base = f"127.0.0.1:{server.port}?timeout=5"
    wrong = SmtpSender(
        SmtpConfig.from_url(f"smtp://hub:wrong@{base}"), "hub@example.org", tls_context=tls.client
    )
    right = SmtpSender(
        SmtpConfig.from_url(f"smtp://hub:right@{base}"), "hub@example.org", tls_context=tls.client
    )
    with server.running():
        with pytest.raises(MailDeliveryError) as login:
            await wrong.send(to="other@example.org", subject="s", body="b")
        with pytest.raises(MailDeliveryError) as refused:
            await right.send(to=TO, subject="s", body="b")
    assert (login.value.reason, login.value.permanent) == ("SMTPAuthenticationError (535)", False)
    assert (refused.value.reason, refused.value.permanent) == ("recipient refused (550)", True)
    assert TO not in refused.value.reason and server.received == []


async def test_a_server_that_is_down_is_a_retryable_failure() -> None:
    config = SmtpConfig.from_url(f"smtp://127.0.0.1:{free_port()}?starttls=false&timeout=2")
    with pytest.raises(MailDeliveryError) as raised:
        await SmtpSender(config, "hub@example.org").send(to=TO, subject="s", body="b")
    assert raised.value.permanent is False
    assert raised.value.reason.startswith("SMTP")
