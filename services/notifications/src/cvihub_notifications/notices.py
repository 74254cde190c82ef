"""Operational notices: a delivery given up (`attempt-exhausted`: its schedule ran out, or it
failed for good) and an endpoint disabled (`endpoint-disabled`: 410 Gone, or failing too
long). Each is recorded once, in the transaction of the attempt that caused it, listed in the
API, and mailed to the partner's contact address (the registry copy) and the hub admin's.

A notice holds ids and a reason only: never event data, an endpoint's URL or an address."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_notifications import notice_store
from cvihub_notifications.channels.email import EmailNotice, EmailTransport
from cvihub_notifications.endpoint_health import Disabled
from cvihub_notifications.models import registry_copy
from cvihub_notifications.notice_store import NoticeRecord
from cvihub_notifications.queue_store import Claimed
from cvihub_runtime.db import SessionFactory, transaction

log = structlog.get_logger(__name__)

MAIL_TRIES = 8
"""Mailing rounds before a notice's e-mail is given up (it stays listed)."""
EXHAUSTED_MAIL_QUIET = timedelta(hours=1)
"""After a given-up delivery's e-mail, others of the same endpoint within this time are listed
only: a dead endpoint on a busy stream would otherwise mail once per alert."""


class NoticeKind(StrEnum):
    """What happened."""

    ATTEMPT_EXHAUSTED = "attempt-exhausted"
    ENDPOINT_DISABLED = "endpoint-disabled"


async def after_attempt(
    session: AsyncSession,
    *,
    claimed: Claimed,
    at: datetime,
    failed: bool,
    error: str | None,
    disabled: Disabled | None,
) -> None:
    """Record the notices an attempt caused: its delivery given up, its endpoint disabled."""
    if failed:
        mailed_lately = await notice_store.mailed_since(
            session,
            partner_id=claimed.partner_id,
            subscription_id=claimed.subscription_id,
            kind=NoticeKind.ATTEMPT_EXHAUSTED.value,
            since=at - EXHAUSTED_MAIL_QUIET,
        )
        await _add(
            session,
            kind=NoticeKind.ATTEMPT_EXHAUSTED,
            # Once per delivery, however often it is resent and fails again.
            dedupe_key=f"{NoticeKind.ATTEMPT_EXHAUSTED}/{claimed.delivery_id}",
            claimed=claimed,
            at=at,
            reason=error or "failed",
            mail=not mailed_lately,
        )
    if disabled is not None:
        await _add(
            session,
            kind=NoticeKind.ENDPOINT_DISABLED,
            dedupe_key=f"{NoticeKind.ENDPOINT_DISABLED}/{claimed.subscription_id}/"
            f"{disabled.at.isoformat()}",
            claimed=claimed,
            at=at,
            reason=disabled.reason,
        )


async def _add(
    session: AsyncSession,
    *,
    kind: NoticeKind,
    dedupe_key: str,
    claimed: Claimed,
    at: datetime,
    reason: str,
    mail: bool = True,
) -> None:
    await notice_store.add(
        session,
        {
            "notice_id": str(uuid.uuid4()),
            "kind": kind.value,
            "dedupe_key": dedupe_key,
            "partner_id": claimed.partner_id,
            "subscription_id": claimed.subscription_id,
            "delivery_id": claimed.delivery_id,
            "event_id": claimed.event_id,
            "event_type": claimed.event_type,
            "reason": reason[:200],
            "created_at": at,
            "next_mail_at": at if mail else None,
        },
    )


def render_notice(notice: NoticeRecord) -> EmailNotice:
    """The e-mail of a notice: what happened, to which endpoint, and the call that fixes it."""
    endpoint = notice.subscription_id
    if notice.kind == NoticeKind.ENDPOINT_DISABLED:
        subject = f"CVI hub: endpoint {endpoint} disabled"
        what = f"The hub stopped sending to your endpoint {endpoint}: {notice.reason}."
        fix = f"POST /v1/endpoints/{endpoint}/enable re-enables it and recovers what it missed."
    else:
        subject = f"CVI hub: a delivery to endpoint {endpoint} was given up"
        what = f"A delivery to your endpoint {endpoint} failed for good: {notice.reason}."
        fix = (
            f"POST /v1/deliveries/{notice.delivery_id}/resend sends it again. Others to this "
            "endpoint given up within the hour are listed, not mailed."
        )
    lines = [
        what,
        "",
        f"Partner:  {notice.partner_id}",
        f"Endpoint: {endpoint}",
        f"Delivery: {notice.delivery_id}",
        f"Event:    {notice.event_type} {notice.event_id}",
        f"Time:     {notice.created_at.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"Notice:   {notice.notice_id} ({notice.kind})",
        "",
        fix,
        "GET /v1/notices lists these notices; GET /v1/deliveries?status=failed the dead letters.",
        "This e-mail never carries event data.",
    ]
    return EmailNotice(subject=subject, text="\n".join(lines) + "\n")


class NoticeMailer:
    """Mails each recorded notice to its partner's contact address and the hub admin's."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        email: EmailTransport,
        hub_admin_email: str | None,
        poll_seconds: float,
        retry_seconds: float = 30.0,
    ) -> None:
        self._sessions = sessions
        self._email = email
        self._admin = hub_admin_email
        self._poll_seconds = poll_seconds
        self._retry_seconds = retry_seconds

    async def run(self) -> None:
        """Mail due notices forever (only while SMTP is configured)."""
        while True:
            try:
                await self.mail_due()
            except Exception:
                log.exception("mailing notices failed; retrying")
            await asyncio.sleep(self._poll_seconds)

    async def mail_due(self, *, limit: int = 20) -> int:
        """One round: mail every due notice; how many were tried."""
        if not self._email.ready:
            return 0
        now = datetime.now(UTC)
        async with self._sessions() as session:
            due = await notice_store.due_mail(session, now=now, limit=limit)
        for notice in due:
            await self._mail(notice)
        return len(due)

    async def _mail(self, notice: NoticeRecord) -> None:
        async with self._sessions() as session:
            partner_address = await registry_copy.contact_email(session, notice.partner_id)
            tries = await notice_store.mail_attempts(session, notice.notice_id) + 1
        text = render_notice(notice)
        errors: list[str] = []
        at = datetime.now(UTC)
        partner_at = admin_at = None
        if notice.partner_mailed_at is None and partner_address is not None:
            sent = await self._email.send_notice(to=partner_address, notice=text)
            partner_at = at if sent.error is None else None
            errors += [f"partner: {sent.error}"] if sent.error else []
        if notice.admin_mailed_at is None and self._admin is not None:
            sent = await self._email.send_notice(to=self._admin, notice=text)
            admin_at = at if sent.error is None else None
            errors += [f"hub admin: {sent.error}"] if sent.error else []
        again = None
        if errors and tries < MAIL_TRIES:
            again = at + timedelta(seconds=self._retry_seconds * 2 ** (tries - 1))
        async with transaction(self._sessions) as session:
            await notice_store.mailed(
                session,
                notice_id=notice.notice_id,
                partner_at=partner_at,
                admin_at=admin_at,
                next_mail_at=again,
                error="; ".join(errors) or None,
            )
        log.info(
            "notice mailed",
            notice_id=notice.notice_id,
            kind=notice.kind,
            partner=partner_at is not None,
            hub_admin=admin_at is not None,
            error="; ".join(errors) or None,
        )


async def listed(
    *, session: AsyncSession, partner_id: str | None, before: str | None, limit: int
) -> list[NoticeRecord]:
    """Notices newest first: one partner's, or (None) every partner's for the hub admin."""
    return await notice_store.listed(session, partner_id=partner_id, before=before, limit=limit)


async def notice(*, session: AsyncSession, notice_id: str) -> NoticeRecord | None:
    """One notice by id, whoever's it is (the route checks it is the caller's)."""
    return await notice_store.get(session, notice_id)
