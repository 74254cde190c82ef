"""The channels a delivery goes out on, each behind the Transport interface (base.py)."""

from collections.abc import Awaitable, Callable, Mapping

from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_notifications import queue_store
from cvihub_notifications.channels.base import Sent, Transport
from cvihub_notifications.channels.email import EmailTransport
from cvihub_notifications.channels.inbox import InboxTransport
from cvihub_notifications.channels.sms import SmsTransport
from cvihub_notifications.channels.sms_gateway import SmsGateway
from cvihub_notifications.channels.webhook import WebhookTransport
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.egress import EgressPolicy
from cvihub_runtime.mail import SmtpSender
from cvihub_runtime.secretbox import SecretBox

__all__ = ["Sent", "Transport", "Transports", "build_transports", "channel_progress"]

Transports = Mapping[Channel, Transport]
Progress = Callable[[], Awaitable[dict[str, int]]]
"""Counts for /health (as cvihub_runtime.web.Progress; no web import down here)."""


def build_transports(
    *,
    box: SecretBox,
    http_timeout_seconds: float,
    mailer: SmtpSender | None,
    sms: SmsGateway | None,
    sms_hint: str,
    egress: EgressPolicy,
) -> dict[Channel, Transport]:
    """One transport per channel; e-mail and SMS are not ready without their relay."""
    transports: list[Transport] = [
        WebhookTransport(box=box, timeout_seconds=http_timeout_seconds, egress=egress),
        EmailTransport(box=box, mailer=mailer),
        SmsTransport(box=box, gateway=sms, hint=sms_hint),
        InboxTransport(box=box),
    ]
    return {t.channel: t for t in transports}


def channel_progress(
    progress: Progress, sessions: SessionFactory, transport: Transport
) -> Progress:
    """`progress` plus, for /health, whether the channel is ready and how many wait:
    `<channel>_configured` and `<channel>_pending`."""
    name = transport.channel.value

    async def with_channel() -> dict[str, int]:
        counts = await progress()
        async with sessions() as session:
            pending = await queue_store.pending_count(session, name)
        return {**counts, f"{name}_configured": int(transport.ready), f"{name}_pending": pending}

    return with_channel
