"""The webhook receiver of the tests, from the test kit (intake's FHIR rest-hooks use it too)."""

from cvihub_testkit.webhooks import Received, WebhookReceiver

__all__ = ["Received", "WebhookReceiver"]
