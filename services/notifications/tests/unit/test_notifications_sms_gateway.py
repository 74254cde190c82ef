"""The SMS gateway URL, the settings that hold it, and how Twilio's answers are classified."""

import base64
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import ValidationError

from cvihub_notifications.channels.sms_gateway import (
    SmsDeliveryError,
    TwilioConfig,
    TwilioGateway,
    check_sms_url,
    gateway_from_url,
)
from cvihub_notifications.settings import NotificationsSettings
from cvihub_runtime.secretbox import new_fernet_key

TOKEN = "tok3n-n0t-sh0wn"
GOOD = f"twilio://AC0123456789abcdef:{TOKEN}@api.twilio.com?from=%2B15551230000"


def test_a_twilio_url_gives_https_base_path_and_credentials() -> None:
    config = TwilioConfig.from_url(GOOD)
    assert config.base_url == "https://api.twilio.com"
    assert config.messages_path == "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
    assert (config.account_sid, config.auth_token, config.sender) == (
        "AC0123456789abcdef",
        TOKEN,
        "+15551230000",
    )
    assert TOKEN not in repr(config) and TOKEN not in config.describe()


def test_plain_http_only_to_a_loopback_test_gateway() -> None:
    local = TwilioConfig.from_url(
        f"twilio://AC1:{TOKEN}@127.0.0.1:8123?from=%2B15551230000&insecure_http=true"
    )
    assert local.base_url == "http://127.0.0.1:8123"
    assert TwilioConfig.from_url(
        f"twilio://AC1:{TOKEN}@localhost?from=%2B15551230000&insecure_http=1"
    ).base_url == ("http://localhost")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (f"https://AC1:{TOKEN}@api.twilio.com?from=%2B15551230000", "twilio://"),
        (f"twilio://AC1:{TOKEN}@?from=%2B15551230000", "no host"),
        (f"twilio://AC1:{TOKEN}@api.twilio.com/v2?from=%2B15551230000", "no path"),
        ("twilio://AC1@api.twilio.com?from=%2B15551230000", "auth token"),
        (f"twilio://:{TOKEN}@api.twilio.com?from=%2B15551230000", "account SID"),
        (f"twilio://AC%2F1:{TOKEN}@api.twilio.com?from=%2B15551230000", "account SID"),
        (f"twilio://AC1:{TOKEN}@api.twilio.com", "from="),
        (f"twilio://AC1:{TOKEN}@api.twilio.com?from=+15551230000", "%2B"),  # + read as a space
        (f"twilio://AC1:{TOKEN}@api.twilio.com?from=%2B15551230000&region=ie1", "region"),
        (f"twilio://AC1:{TOKEN}@api.twilio.com:99999?from=%2B15551230000", "port"),
        (
            f"twilio://AC1:{TOKEN}@sms.example.org?from=%2B15551230000&insecure_http=true",
            "127.0.0.1",
        ),
        (
            f"twilio://AC1:{TOKEN}@127.0.0.1?from=%2B15551230000&insecure_http=maybe",
            "true or false",
        ),
    ],
)
def test_a_malformed_url_is_refused_without_quoting_the_token(url: str, words: str) -> None:
    with pytest.raises(ValueError, match=words) as refused:
        check_sms_url(url)
    assert TOKEN not in str(refused.value)


def _settings(**values: object) -> NotificationsSettings:
    return NotificationsSettings(secret_key=new_fernet_key(), **values)  # type: ignore[arg-type]


def test_the_setting_fails_fast_and_its_error_never_shows_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFICATIONS_SECRET_KEY", new_fernet_key())
    monkeypatch.setenv("NOTIFICATIONS_SMS_URL", f"twilio://AC1:{TOKEN}@api.twilio.com?from=1555")
    with pytest.raises(ValidationError, match="sms_url") as refused:
        NotificationsSettings()  # type: ignore[call-arg]
    assert "from=<sender number>" in str(refused.value)
    assert TOKEN not in str(refused.value) and TOKEN not in repr(refused.value)


def test_without_an_sms_url_there_is_no_gateway_and_an_empty_one_means_unset() -> None:
    assert _settings().sms_gateway() is None
    assert _settings(sms_url="").sms_gateway() is None
    gateway = _settings(sms_url=GOOD).sms_gateway()
    assert isinstance(gateway, TwilioGateway)
    assert gateway.describe() == "twilio https://api.twilio.com"
    assert TOKEN not in repr(_settings(sms_url=GOOD))


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [("https://hub.example.org/", "https://hub.example.org"), (None, None), ("", None)],
)
def test_the_public_url_is_an_http_origin(public_url: str | None, expected: str | None) -> None:
    assert _settings(public_url=public_url).public_url == expected


@pytest.mark.parametrize("bad", ["hub.example.org", "ftp://hub.example.org", "https://h/?a=1"])
def test_a_public_url_that_is_no_http_origin_stops_the_service(bad: str) -> None:
    with pytest.raises(ValidationError, match="public_url"):
        _settings(public_url=bad)


async def _answered(status: int, body: dict[str, object] | str) -> tuple[list[httpx.Request], Any]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    gateway = gateway_from_url(GOOD, timeout=5)
    assert isinstance(gateway, TwilioGateway)
    gateway = TwilioGateway(gateway.config, timeout=5, transport=httpx.MockTransport(answer))
    try:
        outcome: Any = await gateway.send(to="+15557654321", body="CVI hub: new incident alert")
    except SmsDeliveryError as exc:
        outcome = exc
    finally:
        await gateway.aclose()
    return seen, outcome


async def test_a_201_is_accepted_with_the_message_sid_and_the_form_fields() -> None:
    seen, receipt = await _answered(201, {"sid": "SM123", "status": "queued"})
    assert (receipt.message_id, receipt.status_code) == ("SM123", 201)
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url) == (
        "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
    )
    user, _, password = (
        base64.b64decode(request.headers["authorization"][6:]).decode().partition(":")
    )
    assert (user, password) == ("AC0123456789abcdef", TOKEN)
    form = parse_qs(request.content.decode())
    assert form == {
        "To": ["+15557654321"],
        "From": ["+15551230000"],
        "Body": ["CVI hub: new incident alert"],
    }


@pytest.mark.parametrize(
    ("status", "body", "permanent", "reason"),
    [
        (400, {"code": 21211, "message": "The 'To' number +15557654321 is not valid."}, True,
         "HTTP 400 (Twilio error 21211)"),
        (400, {"code": 21610, "message": "unsubscribed"}, True, "HTTP 400 (Twilio error 21610)"),
        (400, {"code": 21606, "message": "bad From"}, False, "HTTP 400 (Twilio error 21606)"),
        (401, {"code": 20003, "message": "Authenticate"}, False, "HTTP 401 (Twilio error 20003)"),
        (429, {"code": 20429, "message": "Too Many"}, False, "HTTP 429 (Twilio error 20429)"),
        (500, "upstream trouble", False, "HTTP 500"),
        (503, {"code": 21211}, False, "HTTP 503 (Twilio error 21211)"),
    ],
)  # fmt: skip
async def test_only_a_refused_number_is_permanent_and_no_message_text_is_kept(
    status: int, body: dict[str, object] | str, permanent: bool, reason: str
) -> None:
    _, refused = await _answered(status, body)
    assert isinstance(refused, SmsDeliveryError)
    assert (refused.permanent, refused.reason, refused.status_code) == (permanent, reason, status)
    assert "+1555" not in refused.reason


async def test_a_timeout_is_retried_without_a_status() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    config = TwilioConfig.from_url(GOOD)
    gateway = TwilioGateway(config, timeout=1, transport=httpx.MockTransport(hang))
    with pytest.raises(SmsDeliveryError) as refused:
        await gateway.send(to="+15557654321", body="x")
    await gateway.aclose()
    assert (refused.value.permanent, refused.value.reason, refused.value.status_code) == (
        False,
        "ReadTimeout",
        None,
    )
