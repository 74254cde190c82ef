"""Use cases of what partners read: their own deliveries (with attempts) and their web inbox.

An inbox subscription's delivery is stored like a webhook's (the body Fernet-encrypted, cut to
the partner's view) and is delivered the moment it is stored: the partner fetches it here.
Another partner's object is answered like a missing one (None); `is_someone_elses_*` tells
the API when that 404 is a refusal to audit.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications import inbox_store, store
from cvihub_notifications.inbox_store import StoredItem
from cvihub_notifications.models import DeliveryStatus
from cvihub_runtime.secretbox import SecretBox


async def partner_deliveries(
    *,
    session: AsyncSession,
    partner_id: str,
    event_id: str | None,
    status: DeliveryStatus | None,
    limit: int,
    subscription_id: str | None = None,
) -> list[store.DeliveryRecord]:
    """A partner's own deliveries, newest first (one event's, one status's, one endpoint's)."""
    return await store.list_deliveries(
        session,
        partner_id=partner_id,
        event_id=event_id,
        status=status.value if status is not None else None,
        subscription_id=subscription_id,
        limit=limit,
    )


async def partner_delivery(
    *, session: AsyncSession, partner_id: str, delivery_id: str
) -> tuple[store.DeliveryRecord, list[store.AttemptRecord]] | None:
    """One of the partner's own deliveries with its attempts; None when not theirs."""
    record = await store.get_delivery(session, partner_id=partner_id, delivery_id=delivery_id)
    if record is None:
        return None
    return record, await store.list_attempts(session, delivery_id)


async def is_someone_elses_delivery(*, session: AsyncSession, delivery_id: str) -> bool:
    """Whether a delivery the caller may not see exists (its 404 is then a refusal to audit)."""
    return await store.delivery_exists(session, delivery_id)


class BadCursor(ValueError):
    """A cursor this service did not hand out."""


@dataclass(frozen=True)
class InboxItem:
    """One inbox item with its event (the CloudEvent as the partner may see it)."""

    item_id: str
    event_id: str
    event_type: str
    event_time: datetime
    subscription_id: str
    received_at: datetime
    read_at: datetime | None
    event: dict[str, Any]


@dataclass(frozen=True)
class InboxPage:
    """A page of items, newest first, and the cursor of the next (older) page, if any."""

    items: list[InboxItem]
    next_cursor: str | None


def encode_cursor(received_at: datetime, item_id: str) -> str:
    """An opaque cursor pointing just past an item."""
    raw = json.dumps([received_at.astimezone(UTC).isoformat(), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor points past; BadCursor if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, item_id = json.loads(raw)
        parsed = datetime.fromisoformat(at)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise BadCursor("not a cursor of this inbox") from exc
    if parsed.tzinfo is None or not isinstance(item_id, str):
        raise BadCursor("not a cursor of this inbox")
    return parsed.astimezone(UTC), item_id


def _open(stored: StoredItem, box: SecretBox) -> InboxItem:
    return InboxItem(
        item_id=stored.item_id,
        event_id=stored.event_id,
        event_type=stored.event_type,
        event_time=stored.event_time,
        subscription_id=stored.subscription_id,
        received_at=stored.received_at,
        read_at=stored.read_at,
        event=json.loads(box.decrypt(stored.body_encrypted)),
    )


async def inbox_page(
    *,
    session: AsyncSession,
    box: SecretBox,
    partner_id: str,
    limit: int,
    cursor: str | None = None,
    unread_only: bool = False,
) -> InboxPage:
    """The partner's items, newest first, after `cursor` (from the previous page)."""
    before = decode_cursor(cursor) if cursor is not None else None
    stored = await inbox_store.page(
        session, partner_id=partner_id, limit=limit + 1, before=before, unread_only=unread_only
    )
    items = [_open(s, box) for s in stored[:limit]]
    more = len(stored) > limit
    last = stored[limit - 1] if more else None
    return InboxPage(
        items=items,
        next_cursor=encode_cursor(last.received_at, last.item_id) if last is not None else None,
    )


async def inbox_item(
    *, session: AsyncSession, box: SecretBox, partner_id: str, item_id: str
) -> InboxItem | None:
    """One of the partner's items; None when there is none (or it is someone else's)."""
    stored = await inbox_store.item(session, partner_id=partner_id, item_id=item_id)
    return None if stored is None else _open(stored, box)


async def mark_inbox_item_read(
    *, session: AsyncSession, box: SecretBox, partner_id: str, item_id: str
) -> InboxItem | None:
    """Mark one of the partner's items read (idempotent: the first read time stays)."""
    await inbox_store.mark_read(
        session, partner_id=partner_id, item_id=item_id, at=datetime.now(UTC)
    )
    return await inbox_item(session=session, box=box, partner_id=partner_id, item_id=item_id)


async def is_someone_elses_item(*, session: AsyncSession, partner_id: str, item_id: str) -> bool:
    """Whether the id is another partner's inbox item (its 404 is then a refusal to audit)."""
    owner = await inbox_store.owner(session, item_id)
    return owner is not None and owner != partner_id


class UnknownLastEvent(ValueError):
    """A Last-Event-ID that is no item of the caller's inbox."""


async def stream_start(
    *, session: AsyncSession, partner_id: str, last_event_id: str | None
) -> inbox_store.Position | None:
    """Where a stream starts: just after the Last-Event-ID item (resume), else after the
    newest item (new ones only); UnknownLastEvent for an id not in the caller's inbox."""
    if last_event_id is None:
        return await inbox_store.newest(session, partner_id=partner_id)
    found = await inbox_store.position(session, partner_id=partner_id, item_id=last_event_id)
    if found is None:
        raise UnknownLastEvent("not an item of your inbox")
    return found


async def stream_batch(
    *,
    session: AsyncSession,
    box: SecretBox,
    partner_id: str,
    start: inbox_store.Position | None,
    limit: int,
) -> tuple[list[InboxItem], inbox_store.Position | None]:
    """The caller's items after `start`, oldest first, and where the next batch starts."""
    stored = await inbox_store.after(session, partner_id=partner_id, start=start, limit=limit)
    if not stored:
        return [], start
    last = stored[-1]
    return [_open(s, box) for s in stored], (last.received_at, last.item_id)
