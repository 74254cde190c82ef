"""HTTP bodies of subscriptions (delivery endpoints)."""

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
)

from cvihub_contracts import Stream
from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_registry.domain import RevocableStatus, Subscription
from cvihub_registry.schemas import SINGLE_LINE, Email, Phone, RequestBody, ResponseBody, Zones
from cvihub_registry.subscriptions.rules import ZONED_STREAMS, endpoint_uri, unknown_event_types

EventType = Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=20)]


class SubscriptionCreate(RequestBody):
    """A delivery endpoint for one stream: a webhook, an e-mail or SMS notice, or the web
    inbox."""

    stream: Stream
    channel: Channel = Field(
        default=Channel.WEBHOOK,
        description="webhook: signed POSTs to `url`; email: a short notice without personal "
        "or case data to `email`; sms: a text-message notice (public fields only) to `phone`; "
        "inbox: kept for you to read at GET /v1/inbox on the notifications API (one per "
        "stream).",
    )
    url: AnyHttpUrl | None = Field(
        default=None,
        validate_default=True,
        description="webhook only: the http or https URL the hub POSTs events to.",
    )
    email: Email | None = Field(
        default=None, validate_default=True, description="email only: where notices go."
    )
    phone: Phone | None = Field(
        default=None,
        validate_default=True,
        description="sms only: the mobile number notices go to, E.164 (+15551234567).",
        examples=["+15551234567"],
    )
    secret: Annotated[str, Field(max_length=200), SINGLE_LINE] | None = Field(
        default=None,
        description="webhook only: Standard Webhooks secret (whsec_ + base64); generated when "
        "omitted.",
    )
    zones: Zones | None = Field(
        default=None,
        description="Only events in these zones; narrows, never widens, your grant's zones. "
        "None = no zone filter.",
    )
    event_types: EventTypes | None = Field(
        default=None, description="Only these event types of the stream; none = all of them."
    )

    @field_validator("url")
    @classmethod
    def _url_for_webhook(cls, value: AnyHttpUrl | None, info: ValidationInfo) -> Any:
        return _only_for(Channel.WEBHOOK, "url", value, info)

    @field_validator("email")
    @classmethod
    def _email_for_email(cls, value: str | None, info: ValidationInfo) -> Any:
        return _only_for(Channel.EMAIL, "email", value, info)

    @field_validator("phone")
    @classmethod
    def _phone_for_sms(cls, value: str | None, info: ValidationInfo) -> Any:
        return _only_for(Channel.SMS, "phone", value, info)

    @field_validator("secret")
    @classmethod
    def _secret_for_webhook(cls, value: str | None, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("channel", Channel.WEBHOOK) is not Channel.WEBHOOK:
            raise ValueError("only the webhook channel takes a secret")
        return value

    @field_validator("zones")
    @classmethod
    def _zoned_stream(cls, value: list[str] | None, info: ValidationInfo) -> Any:
        stream = info.data.get("stream")
        if value is not None and stream is not None and stream not in ZONED_STREAMS:
            raise ValueError(f"{stream.value} events have no zone to filter on")
        return value

    @field_validator("event_types")
    @classmethod
    def _types_of_stream(cls, value: list[str] | None, info: ValidationInfo) -> Any:
        stream = info.data.get("stream")
        if stream is not None and unknown_event_types(stream, value):
            raise ValueError(f"an event type {stream.value} does not carry")
        return value

    def endpoint(self) -> str:
        """The endpoint URI the hub stores: the URL, mailto:<email>, sms:<phone> or
        cvihub:inbox."""
        return endpoint_uri(
            channel=self.channel,
            url=str(self.url) if self.url else None,
            email=self.email,
            phone=self.phone,
        )


def _only_for(channel: Channel, name: str, value: Any, info: ValidationInfo) -> Any:
    chosen = info.data.get("channel")
    if chosen is None:  # the channel itself is invalid; that error is reported
        return value
    if chosen is channel and value is None:
        raise ValueError(f"the {channel.value} channel needs {name}")
    if chosen is not channel and value is not None:
        raise ValueError(f"only the {channel.value} channel takes {name}")
    return value


class SubscriptionCreated(BaseModel):
    """A new subscription. A webhook's `secret` is shown this once (null for other channels)."""

    subscription_id: str
    partner_id: str
    stream: Stream
    channel: Channel
    url: str = Field(description="The endpoint URI: https://…, mailto:…, sms:+… or cvihub:inbox.")
    zones: list[str] | None
    event_types: list[str] | None
    secret: str | None

    @classmethod
    def of(cls, subscription: Subscription, secret: str | None) -> Self:
        """The answer to a create request."""
        return cls(
            subscription_id=subscription.subscription_id,
            partner_id=subscription.partner_id,
            stream=subscription.stream,
            channel=subscription.channel,
            url=subscription.url,
            zones=subscription.zones,
            event_types=subscription.event_types,
            secret=secret,
        )


class SubscriptionOut(ResponseBody):
    """A subscription (never its secret)."""

    subscription_id: str
    partner_id: str
    stream: Stream
    channel: Channel
    url: str = Field(description="The endpoint URI: https://…, mailto:…, sms:+… or cvihub:inbox.")
    zones: list[str] | None
    event_types: list[str] | None
    status: RevocableStatus
    created_at: datetime
    revoked_at: datetime | None
