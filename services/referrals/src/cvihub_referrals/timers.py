"""Service-level timers: stored, claimed with a lease, fired exactly once across replicas.

Each poll the worker plans (for every open referral, a timer row per step of the deadline it is
under: a reminder to the owner when it is due, an escalation later; the unique key makes a
second replica's plan a no-op) and fires: it claims due timers with a lease (a conditional
UPDATE), then in one transaction re-checks that the deadline still runs, writes the event to the
outbox and marks the timer fired, only if it is still pending and still ours. A replica that
dies holding a claim leaves it to the others once the lease runs out; two that race for one
timer cannot both commit its firing.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID

import structlog
from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, new_event, service_source, to_kafka
from cvihub_contracts.referral.network_v1 import (
    HUB_PARTY,
    NETWORK_RECIPIENT,
    Deadline,
    DeadlineMissed,
    Escalation,
)
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus, ReferralStatusChangedV1
from cvihub_referrals import routing
from cvihub_referrals.models import outbox, referrals, timers
from cvihub_referrals.service_levels import Deadline as DeadlineNow
from cvihub_referrals.service_levels import ServiceLevel, deadline_of, level_for
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.outbox import add_to_outbox

log = structlog.get_logger(__name__)

OPEN = (
    ReferralStatus.REQUESTED.value,
    ReferralStatus.ACCEPTED.value,
    ReferralStatus.IN_PROGRESS.value,
)
PENDING, FIRED, VOID = "pending", "fired", "void"


class Stage(StrEnum):
    """The step of a missed deadline."""

    REMINDER = "reminder"
    ESCALATION = "escalation"


Escalate = Callable[[AsyncSession, str, datetime], Awaitable[Escalation | None]]
"""Asked at an escalation: do something other than alert the sender (re-offer to the network);
returns what it did, or None to alert the sender."""


async def _no_reoffer(_session: AsyncSession, _referral_id: str, _now: datetime) -> None:
    return None


@dataclass
class TimerWorker:
    """Plans and fires the service-level timers of one replica."""

    sessions: SessionFactory
    levels: dict[str, ServiceLevel]
    worker_id: str
    lease: timedelta = timedelta(seconds=60)
    poll: timedelta = timedelta(seconds=5)
    escalate: Escalate = _no_reoffer
    on_fired: Callable[[], None] | None = None
    batch_size: int = 100

    async def run(self) -> None:
        """Plan and fire forever; errors are logged and retried after a pause."""
        while True:
            try:
                await self.plan_once()
                await self.fire_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("referral timers failed; retrying", worker_id=self.worker_id)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll.total_seconds()):
                    await asyncio.Event().wait()

    def _running(self, row: RowMapping) -> DeadlineNow | None:
        services = [str(code) for code in row["requested_services"] or []]
        return deadline_of(
            level_for(self.levels, row["urgency"], services),
            status=row["status"],
            submitted_at=row["submitted_at"],
            accepted_at=row["accepted_at"],
            first_contact_at=row["first_contact_at"],
        )

    async def plan_once(self) -> int:
        """Store the timers of every open referral's running deadline; how many were new."""
        async with self.sessions() as session:
            rows = (
                (await session.execute(select(referrals).where(referrals.c.status.in_(OPEN))))
                .mappings()
                .all()
            )
            known = {
                (r.referral_id, r.deadline, r.stage, r.due_at)
                for r in await session.execute(
                    select(timers.c.referral_id, timers.c.deadline, timers.c.stage, timers.c.due_at)
                    .join(referrals, referrals.c.referral_id == timers.c.referral_id)
                    .where(referrals.c.status.in_(OPEN))
                )
            }
        planned = 0
        for row in rows:
            deadline = self._running(row)
            if deadline is None:
                continue
            steps = ((Stage.REMINDER, deadline.due_at), (Stage.ESCALATION, deadline.escalate_at))
            for stage, due_at in steps:
                key = (row["referral_id"], deadline.clock.value, stage.value, due_at)
                if key in known:
                    continue
                try:
                    async with transaction(self.sessions) as session:
                        await session.execute(
                            timers.insert().values(
                                referral_id=row["referral_id"],
                                deadline=deadline.clock.value,
                                stage=stage.value,
                                due_at=due_at,
                                state=PENDING,
                            )
                        )
                    planned += 1
                except IntegrityError:
                    pass  # another replica planned it first
        return planned

    async def fire_once(self, now: datetime | None = None) -> int:
        """Claim and fire the timers due now; how many fired."""
        at = now or datetime.now(UTC)
        async with self.sessions() as session:
            due = (
                (
                    await session.execute(
                        select(timers.c.id)
                        .where(timers.c.state == PENDING, timers.c.due_at <= at)
                        .order_by(timers.c.due_at, timers.c.id)
                        .limit(self.batch_size)
                    )
                )
                .scalars()
                .all()
            )
        fired = 0
        for timer_id in due:
            if not await self._claim(timer_id, at):
                continue  # another replica holds it
            try:
                fired += await self._fire(timer_id, at)
            except _LostClaim:
                log.info("timer taken over by another replica", timer_id=timer_id)
        if fired and self.on_fired is not None:
            self.on_fired()
        return fired

    async def _claim(self, timer_id: int, at: datetime) -> bool:
        async with transaction(self.sessions) as session:
            claimed = await session.execute(
                update(timers)
                .where(
                    timers.c.id == timer_id,
                    timers.c.state == PENDING,
                    or_(timers.c.lease_until.is_(None), timers.c.lease_until <= at),
                )
                .values(claimed_by=self.worker_id, lease_until=at + self.lease)
            )
        return bool(getattr(claimed, "rowcount", 0) == 1)

    async def _fire(self, timer_id: int, at: datetime) -> int:
        async with transaction(self.sessions) as session:
            timer = (
                (await session.execute(select(timers).where(timers.c.id == timer_id)))
                .mappings()
                .one()
            )
            referral = (
                (
                    await session.execute(
                        select(referrals).where(referrals.c.referral_id == timer["referral_id"])
                    )
                )
                .mappings()
                .one()
            )
            running = self._running(referral)
            still = (
                running is not None
                and running.clock.value == timer["deadline"]
                and timer["due_at"] in (running.due_at, running.escalate_at)
            )
            values: dict[str, object] = {"state": VOID}
            if still:
                event = await self._event(session, timer, referral, at)
                await add_to_outbox(session, outbox, to_kafka(event))
                values = {"state": FIRED, "fired_at": at, "event_id": event.envelope.id}
            done = await session.execute(
                update(timers)
                .where(
                    and_(
                        timers.c.id == timer_id,
                        timers.c.state == PENDING,
                        timers.c.claimed_by == self.worker_id,
                    )
                )
                .values(values)
            )
            if getattr(done, "rowcount", 0) != 1:
                # Our lease ran out and another replica took the timer: it fires, not us.
                raise _LostClaim(timer_id)
        log.info(
            "referral timer", timer_id=timer_id, state=values["state"], worker_id=self.worker_id
        )
        return 1 if still else 0

    async def _event(
        self, session: AsyncSession, timer: RowMapping, referral: RowMapping, at: datetime
    ) -> Event[ReferralStatusChangedV1]:
        owner, sender = referral["recipient_partner_id"], referral["referring_partner_id"]
        if timer["stage"] == Stage.REMINDER.value:
            # A network referral nobody owns yet: those it is offered to are reminded.
            holders = await routing.holders(session, referral["referral_id"])
            owners = holders if owner == NETWORK_RECIPIENT else [owner]
            escalation, notify = Escalation.REMIND_OWNER, owners or [sender]
        else:
            done = await self.escalate(session, referral["referral_id"], at)
            escalation = done or Escalation.ALERT_SENDER
            notify = [sender]
        status = ReferralStatus(referral["status"])
        return new_event(
            ReferralStatusChangedV1(
                referral_id=UUID(referral["referral_id"]),
                status=status,
                previous_status=status,
                changed_by_partner_id=HUB_PARTY,
                referring_partner_id=sender,
                recipient_partner_id=owner,
                changed_at=at,
                deadline_missed=DeadlineMissed(
                    deadline=Deadline(timer["deadline"]),
                    due_at=timer["due_at"],
                    escalation=escalation,
                    notify_partner_ids=notify,
                ),
            ),
            source=service_source("referrals"),
            causation_id=referral["submitted_event_id"],
            correlation_id=referral["correlation_id"],
        )


class _LostClaim(RuntimeError):
    """The timer was taken over by another replica between our claim and our firing."""
