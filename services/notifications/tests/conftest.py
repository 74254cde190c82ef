"""Test helpers of the notifications service: builders, a real webhook receiver and a real
SMS gateway (Twilio's Messages API)."""

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# --import-mode=importlib keeps test dirs off sys.path; the helper modules have unique names.
sys.path.insert(0, str(Path(__file__).parent))

from notifications_twilio import TwilioTestGateway

from cvihub_testkit.webhooks import WebhookReceiver


@pytest.fixture
async def webhook_receiver() -> AsyncIterator[WebhookReceiver]:
    """A real HTTP server on a free loopback port that records every webhook it gets."""
    receiver = WebhookReceiver()
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


@pytest.fixture
async def sms_gateway() -> AsyncIterator[TwilioTestGateway]:
    """A real HTTP server on a free loopback port speaking Twilio's Messages API."""
    gateway = TwilioTestGateway()
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()
