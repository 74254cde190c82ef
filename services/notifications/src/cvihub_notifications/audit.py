"""Refusals of delivery to a named partner, staged for the registry's audit log.

A referral whose consent does not cover its recipient, or a status change for a party without a
subscribe grant, refuses a named partner: each becomes an AccessRefusedV1 in the outbox, in the
transaction that plans the event's deliveries, so it is recorded exactly when the event is
applied (a redelivered event is skipped by the inbox, and its refusals with it).

Routing facts are not refusals of anyone's request: a broadcast alert outside a grant's zones
("out of scope") or a grantee without a webhook ("no active subscription"). They are counted
here and logged, never audited: at 200 alerts a second they would flood the chain.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Envelope
from cvihub_notifications.metrics import REFUSED
from cvihub_notifications.models import outbox
from cvihub_notifications.routing import NO_SUBSCRIPTION, OUT_OF_SCOPE
from cvihub_registry_copy.refusals import Refusal, add_refusal

SERVICE = "notifications"
ROUTING_FACTS = frozenset({OUT_OF_SCOPE, NO_SUBSCRIPTION})


class NamedRefusal(Protocol):
    """A partner an event does not go to, and why."""

    @property
    def partner_id(self) -> str: ...

    @property
    def reason(self) -> str: ...


def audited(reason: str) -> bool:
    """Whether a delivery refusal goes to the audit log (not a mere routing fact)."""
    return reason not in ROUTING_FACTS


async def stage_refusals(
    session: AsyncSession, *, envelope: Envelope, refusals: Iterable[NamedRefusal], now: datetime
) -> int:
    """Count every refusal; stage an audit event for each that refuses a named partner."""
    staged = 0
    for refusal in refusals:
        REFUSED.labels(reason=refusal.reason).inc()
        if not audited(refusal.reason):
            continue
        await add_refusal(
            session,
            outbox,
            service=SERVICE,
            refusal=Refusal(
                action=f"deliver {envelope.type}",
                reason=refusal.reason,
                decided_at=now,
                partner_id=refusal.partner_id,
                resource=envelope.subject or envelope.id,
            ),
        )
        staged += 1
    return staged
