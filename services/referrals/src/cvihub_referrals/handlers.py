"""Kafka subscribers of the referrals service: thin adapters to the use cases."""

import functools
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, EventData, topics
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_referrals import service
from cvihub_referrals.models import registry_copy
from cvihub_registry_copy import REGISTRY_EVENT_TYPES
from cvihub_runtime.inbox import EventHandler

TOPICS = (topics.REGISTRY, topics.REFERRALS)
"""The topics the referrals service consumes."""


async def on_referral_submitted(
    session: AsyncSession, event: Event[Any], *, skew: timedelta = timedelta(minutes=5)
) -> None:
    """Store the submitted referral, unless its times break the rules (dead-lettered)."""
    # Looked up at call time, so a test can wrap the use case to inject a failure.
    await service.record_submission(session=session, event=event, skew=skew)


def event_handlers(
    *, skew: timedelta = timedelta(minutes=5)
) -> dict[type[EventData], EventHandler]:
    """Which use case applies each event type; others (our own status changes) are skipped."""
    handlers: dict[type[EventData], EventHandler] = {
        model: registry_copy.apply for model in REGISTRY_EVENT_TYPES
    }
    handlers[ReferralSubmittedV1] = functools.partial(on_referral_submitted, skew=skew)
    return handlers
