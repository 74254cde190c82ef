"""HTTP bodies of the audit routes."""

from datetime import datetime
from typing import Any

from pydantic import (
    Field,
)

from cvihub_registry.schemas import ResponseBody


class AuditEntryOut(ResponseBody):
    """One audit log entry, chained to the one before it by hash."""

    id: int
    at: datetime
    actor: str
    action: str
    entity_id: str | None
    detail: dict[str, Any]
    prev_hash: str = Field(description="entry_hash of the previous entry (64 zeros first).")
    entry_hash: str = Field(description="SHA-256 over this entry's canonical JSON and prev_hash.")


class AuditVerification(ResponseBody):
    """The verdict on the audit log's hash chain and head."""

    ok: bool
    checked: int = Field(description="Entries found intact before the first fault.")
    first_bad_id: int | None = Field(description="The first entry found wrong, if any.")
    reason: str | None
