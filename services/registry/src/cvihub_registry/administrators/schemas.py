"""HTTP bodies of the named-administrator routes."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from cvihub_registry.administrators.domain import ADMIN_ID_PATTERN, AdminRole, AdminStatus
from cvihub_registry.schemas import Email, Name, RequestBody, ResponseBody

Lifetime = Annotated[
    int,
    Field(ge=1, le=365, description="Days the key works; omit for REGISTRY_ADMIN_KEY_TTL_DAYS."),
]


class AdministratorCreate(RequestBody):
    """A new administrator; the answer holds their first key, shown once."""

    admin_id: str = Field(pattern=ADMIN_ID_PATTERN, examples=["j.rivera"])
    name: Name = Field(examples=["Jo Rivera"])
    email: Email | None = None
    role: AdminRole = Field(
        default=AdminRole.ADMIN, description="admin changes anything; auditor only reads."
    )
    expires_in_days: Lifetime | None = None


class AdministratorUpdate(RequestBody):
    """Fields to change; `status: disabled` revokes every key of theirs at once."""

    name: Name | None = None
    email: Email | None = None
    role: AdminRole | None = None
    status: AdminStatus | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent (email may be set to null)."""
        sent = self.model_dump(exclude_unset=True)
        return {k: v for k, v in sent.items() if v is not None or k == "email"}


class AdminKeyCreate(RequestBody):
    """Options of a new admin key."""

    expires_in_days: Lifetime | None = None


class AdminKeyOut(ResponseBody):
    """An admin key by id and dates; never the key."""

    credential_id: str
    status: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class AdminKeyIssued(BaseModel):
    """A new admin key. `api_key` is shown this once: only its hash is kept."""

    api_key: str
    credential_id: str
    expires_at: datetime | None


class AdministratorOut(ResponseBody):
    """A named administrator."""

    admin_id: str
    name: str
    email: str | None
    role: AdminRole
    status: AdminStatus
    created_at: datetime
    updated_at: datetime


class AdministratorDetail(AdministratorOut):
    """An administrator and their keys."""

    keys: list[AdminKeyOut]


class AdministratorCreated(AdministratorOut):
    """A new administrator with their first key, shown once."""

    key: AdminKeyIssued


class AdminWhoAmI(BaseModel):
    """Who the admin API takes the caller for."""

    actor: str
    role: AdminRole
    admin_id: str | None
    credential_id: str | None


class AdminCodeRequest(RequestBody):
    """Ask for an administrator's sign-in code by e-mail."""

    email: Email


class AdminSessionRequest(RequestBody):
    """Trade the e-mailed code for a short-lived admin key."""

    email: Email
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit code from the e-mail.")


class AdminSignedIn(BaseModel):
    """A signed-in administrator and their 12-hour key (shown once; keep it server-side)."""

    administrator: AdministratorOut
    key: AdminKeyIssued
