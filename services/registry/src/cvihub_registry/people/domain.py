"""People inside partners, their device sessions and sign-in codes, as plain values."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cvihub_registry.domain import RegistryError


class PersonRole(StrEnum):
    """What a person does for their partner; only partner_admin manages people and sessions."""

    OUTREACH_WORKER = "outreach_worker"
    CASE_MANAGER = "case_manager"
    HOSPITAL_STAFF = "hospital_staff"
    COORDINATOR = "coordinator"
    PARTNER_ADMIN = "partner_admin"


class PersonStatus(StrEnum):
    """A disabled person cannot sign in and has no live sessions."""

    ACTIVE = "active"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Person:
    """A user account within a partner; the email is PII and never logged."""

    person_id: str
    partner_id: str
    display_name: str
    email: str
    role: PersonRole
    status: PersonStatus
    created_at: datetime


@dataclass(frozen=True)
class DeviceSession:
    """A long-lived sign-in on one device, known by the SHA-256 of its token."""

    session_id: str
    person_id: str
    device_name: str
    token_sha256: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class SignInCode:
    """A one-time code request; person_id is None when the email is unknown (a decoy row)."""

    code_id: str
    email_digest: str
    person_id: str | None
    code_hash: str | None
    salt: str | None
    created_at: datetime
    expires_at: datetime
    attempts: int
    consumed_at: datetime | None


@dataclass(frozen=True)
class NewSession:
    """A newly created device session: the only moment the plain token exists."""

    session: DeviceSession
    token: str
    person: Person


@dataclass(frozen=True)
class SessionCaller:
    """Who is behind a valid session token."""

    session: DeviceSession
    person: Person


class SignInRefused(RegistryError):
    """The code, token or person may not sign in; the detail never says which part was wrong."""

    status = 401


class RateLimited(RegistryError):
    """Too many requests for the same email in the window."""

    status = 429


class Forbidden(RegistryError):
    """Authenticated, but the role does not allow this."""

    status = 403
