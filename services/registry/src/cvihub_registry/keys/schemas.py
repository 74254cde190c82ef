"""HTTP bodies of API keys and their rotation."""

from datetime import datetime
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
)

from cvihub_contracts import Scope
from cvihub_registry.domain import RevocableStatus
from cvihub_registry.schemas import RequestBody, ResponseBody

Scopes = Annotated[
    list[Scope],
    Field(
        min_length=1,
        max_length=len(Scope),
        description="What the key may be used for; omit for every scope. At least one.",
    ),
]


class KeyCreate(RequestBody):
    """Options of a new API key."""

    expires_at: AwareDatetime | None = Field(
        default=None, description="When the key stops working (with a timezone); none = never."
    )
    scopes: Scopes | None = None


class KeyRotate(RequestBody):
    """Options of a key rotation."""

    scopes: Scopes | None = Field(
        default=None, description="The successor's scopes; omit to keep the old key's."
    )


class KeyIssued(BaseModel):
    """A new API key. `api_key` is shown this once: the registry keeps only its hash."""

    credential_id: str
    api_key: str
    expires_at: datetime | None
    scopes: list[Scope] = Field(description="What the key may be used for.")


class KeyOut(ResponseBody):
    """An API key's metadata (never the key)."""

    credential_id: str
    partner_id: str
    status: RevocableStatus
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    scopes: list[Scope] = Field(
        validation_alias="effective_scopes", description="What the key may be used for."
    )


class KeyRotated(KeyIssued):
    """A successor key (shown this once) and when the key it replaces stops working."""

    replaced_credential_id: str
    replaced_expires_at: datetime = Field(
        description="The old key works until then (the grace period, or its own earlier expiry)."
    )
