"""The audit log's hash chain: how an entry is hashed and how a chain is verified (pure)."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

GENESIS_HASH = "0" * 64


class ChainedEntry(Protocol):
    """The fields of an audit entry that its hash covers, plus the hashes themselves."""

    @property
    def id(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def entity_id(self) -> str | None: ...
    @property
    def detail(self) -> dict[str, Any]: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def entry_hash(self) -> str: ...


@dataclass(frozen=True)
class AuditHead:
    """The last entry's id and hash, kept in its own row in the same transaction as appends."""

    last_id: int
    last_hash: str


@dataclass(frozen=True)
class VerifyResult:
    """Whether the chain is intact; if not, the first entry found wrong and why."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str | None = None


def canonical_time(at: datetime) -> str:
    """ISO 8601 in UTC with microseconds: the one spelling of a time that the hash covers."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    id: int,
    at: datetime,
    actor: str,
    action: str,
    entity_id: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry's fields and its predecessor's hash."""
    canonical = json.dumps(
        {
            "id": id,
            "at": canonical_time(at),
            "actor": actor,
            "action": action,
            "entity_id": entity_id,
            "detail": detail,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def recomputed_hash(entry: ChainedEntry) -> str:
    """The hash an entry should carry given its stored fields."""
    return entry_hash(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        entity_id=entry.entity_id,
        detail=entry.detail,
        prev_hash=entry.prev_hash,
    )


class ChainVerifier:
    """Checks entries one by one in ascending id order, so a long log need not fit in memory."""

    def __init__(self) -> None:
        self.checked = 0
        self.failure: VerifyResult | None = None
        self._prev_id: int | None = None
        self._prev_hash = GENESIS_HASH

    def add(self, entry: ChainedEntry) -> bool:
        """Check the next entry; False once the chain is broken (later entries are ignored)."""
        if self.failure is not None:
            return False
        fault = _fault(entry, self._prev_id, self._prev_hash)
        if fault is not None:
            self.failure = VerifyResult(
                ok=False, checked=self.checked, first_bad_id=entry.id, reason=fault
            )
            return False
        self.checked += 1
        self._prev_id, self._prev_hash = entry.id, entry.entry_hash
        return True

    def result(self, head: AuditHead | None = None) -> VerifyResult:
        """The verdict; with the head, entries cut off the end of the log are caught too."""
        if self.failure is not None:
            return self.failure
        last_id = self._prev_id or 0
        if head is not None and head.last_id != last_id:
            reason = f"the audit head names entry {head.last_id} but the log ends at {last_id}"
            return VerifyResult(
                ok=False, checked=self.checked, first_bad_id=head.last_id, reason=reason
            )
        if head is not None and head.last_hash != self._prev_hash:
            reason = "the last entry's hash differs from the audit head"
            return VerifyResult(ok=False, checked=self.checked, first_bad_id=last_id, reason=reason)
        return VerifyResult(ok=True, checked=self.checked)


def verify_chain(entries: Iterable[ChainedEntry], head: AuditHead | None = None) -> VerifyResult:
    """Check entries (ascending id) link and hash correctly, and end where the head says."""
    verifier = ChainVerifier()
    for entry in entries:
        if not verifier.add(entry):
            break
    return verifier.result(head)


def _fault(entry: ChainedEntry, prev_id: int | None, prev_hash: str) -> str | None:
    if prev_id is not None and entry.id <= prev_id:
        return "entries are out of order"
    if entry.prev_hash != prev_hash:
        if prev_id is None:
            return "the first entry does not start the chain (entries before it are missing)"
        if entry.id != prev_id + 1:
            return f"entries between {prev_id} and {entry.id} are missing"
        return "prev_hash does not match the previous entry (an entry was removed or inserted)"
    if entry.entry_hash != recomputed_hash(entry):
        return "entry_hash does not match the entry's fields (the entry was edited)"
    return None
