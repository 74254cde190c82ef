"""Webhook signatures follow Standard Webhooks and verify with the official library."""

from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from cvihub_notifications.channels.webhook import webhook_headers
from cvihub_runtime.secretbox import new_webhook_secret

BODY = b'{"id":"evt-1","data":{"zone":"Z3"}}'


def test_signature_verifies_with_the_subscription_secret() -> None:
    secret = new_webhook_secret()
    headers = webhook_headers(secret=secret, msg_id="evt-1", body=BODY, at=datetime.now(UTC))
    assert Webhook(secret).verify(BODY, headers) == {"id": "evt-1", "data": {"zone": "Z3"}}
    assert headers["webhook-id"] == "evt-1"
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["content-type"] == "application/cloudevents+json"
    assert headers["user-agent"] == "cvihub-notifications/0.1"


def test_signature_fails_with_another_secret_or_body() -> None:
    secret = new_webhook_secret()
    headers = webhook_headers(secret=secret, msg_id="evt-1", body=BODY, at=datetime.now(UTC))
    with pytest.raises(WebhookVerificationError):
        Webhook(new_webhook_secret()).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"Z3", b"Z4"), headers)


def test_timestamp_header_is_the_attempt_time_in_seconds() -> None:
    at = datetime(2030, 1, 1, 0, 0, 7, 900_000, tzinfo=UTC)
    headers = webhook_headers(secret=new_webhook_secret(), msg_id="m", body=BODY, at=at)
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))


def test_during_a_rotation_each_secret_verifies_its_own_signature() -> None:
    old, new = new_webhook_secret(), new_webhook_secret()
    headers = webhook_headers(secret=[new, old], msg_id="evt-1", body=BODY, at=datetime.now(UTC))
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert Webhook(new).verify(BODY, headers)["id"] == "evt-1"
    assert Webhook(old).verify(BODY, headers)["id"] == "evt-1"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_webhook_secret()).verify(BODY, headers)
