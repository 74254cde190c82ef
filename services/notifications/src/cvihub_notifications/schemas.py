"""HTTP response models of the deliveries API (event contracts live in cvihub_contracts)."""

from datetime import datetime

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
