"""HTTP response models of the deliveries API (event contracts live in cvihub_contracts)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cvihub_notifications.models import DeliveryStatus


class DeliveryOut(BaseModel):
    """A delivery of one event to one of the caller's subscriptions (no body)."""

    delivery_id: str
    event_id: str = Field(description="The CloudEvents id; also the webhook-id header.")
    event_type: str
    subscription_id: str
    channel: str = Field(description="webhook, email, sms or inbox.")
    url: str = Field(description="The endpoint URI: https://…, mailto:…, sms:+… or cvihub:inbox.")
    status: DeliveryStatus
    attempts: int = Field(description="How many attempts were made so far.")
    next_attempt_at: datetime | None = Field(description="When the next attempt is due (pending).")
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class AttemptOut(BaseModel):
    """One attempt of a delivery (an HTTP request, an SMTP session, an SMS gateway call)."""

    attempt_no: int
    at: datetime
    status_code: int | None = Field(
        description="The HTTP status (250 for a message the SMTP relay took), or null when "
        "none came back."
    )
    error: str | None = Field(description="A short reason; never the response body.")
    duration_ms: int


class DeliveryDetail(DeliveryOut):
    """A delivery with every attempt made."""

    attempt_log: list[AttemptOut]


class DeliveryList(BaseModel):
    """The caller's deliveries, newest first."""

    items: list[DeliveryOut]


class EndpointOut(BaseModel):
    """One of your endpoints (subscriptions) as this service sends to it."""

    subscription_id: str
    channel: str
    url: str
    disabled_at: datetime | None = Field(
        description="When deliveries stopped (the endpoint answered 410 Gone, or no attempt "
        "succeeded for NOTIFICATIONS_DISABLE_AFTER_FAILING_SECONDS); null = enabled."
    )
    disabled_reason: str | None
    failing_since: datetime | None = Field(
        description="Its first failed attempt after its last success; null = its last attempt "
        "succeeded. Re-enabling recovers what failed since then."
    )
    pending: int = Field(description="Deliveries waiting to be sent.")
    failed: int = Field(description="Dead letters: deliveries that failed for good.")


class RecoveredOut(BaseModel):
    """Failed deliveries of an endpoint put back in the queue."""

    subscription_id: str
    since: datetime = Field(
        description="Failed deliveries planned or attempted since this time were recovered."
    )
    requeued: int = Field(description="How many went back in the queue, due now.")


class InboxItemOut(BaseModel):
    """One event your inbox subscription received, as your grant lets you see it."""

    item_id: str = Field(description="The inbox item's id (its delivery id).")
    event_id: str = Field(description="The CloudEvents id.")
    event_type: str
    event_time: datetime
    subscription_id: str
    received_at: datetime = Field(description="When it arrived in your inbox.")
    read_at: datetime | None = Field(description="When you marked it read; null = unread.")
    event: dict[str, Any] = Field(
        description="The CloudEvent (structured JSON) with its data cut to your view and the "
        "`redacted` attribute: the JSON pointers removed, space-separated (a string; empty "
        "when nothing was removed)."
    )


class InboxPageOut(BaseModel):
    """Your inbox items, newest first."""

    items: list[InboxItemOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null = no more."
    )


class NoticeOut(BaseModel):
    """An operational notice: a delivery given up, or an endpoint disabled (ids only)."""

    notice_id: str
    kind: str = Field(description="attempt-exhausted or endpoint-disabled.")
    partner_id: str
    subscription_id: str = Field(description="The endpoint it is about.")
    delivery_id: str | None = Field(description="The delivery that failed (or disabled it).")
    event_id: str | None
    event_type: str | None
    reason: str = Field(description="A short reason; never a response body or event data.")
    created_at: datetime
    partner_mailed_at: datetime | None = Field(
        description="When it was mailed to the partner's contact address; null = not (yet)."
    )
    admin_mailed_at: datetime | None = Field(
        description="When it was mailed to the hub admin; null = not (yet)."
    )


class NoticeList(BaseModel):
    """Notices, newest first."""

    items: list[NoticeOut]
