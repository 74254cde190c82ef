"""Kafka subscribers of the registry: refusals other services decided join the audit chain."""

from typing import Any

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, topics
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_registry.audit.service import append_service_refusal
from cvihub_registry.models import inbox
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.inbox import EventConsumer

CONSUMER = "registry-audit"
TOPICS = (topics.AUDIT,)
"""The registry consumes the refusals other services decided."""


async def on_access_refused(session: AsyncSession, event: Event[Any]) -> None:
    """Append one refusal to the audit chain, in the inbox's transaction: once per event id."""
    await append_service_refusal(session=session, event=event)


def audit_consumer(*, sessions: SessionFactory, broker: KafkaBroker) -> EventConsumer:
    """The idempotent consumer of topics.AUDIT; a record breaking the contract is dead-lettered."""
    return EventConsumer(
        name=CONSUMER,
        sessions=sessions,
        inbox=inbox,
        broker=broker,
        handlers={AccessRefusedV1: on_access_refused},
    )
