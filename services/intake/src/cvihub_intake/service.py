"""Intake use cases. Every way in (JSON, CloudEvents, uploads, FHIR) ends in `accept`: one path
for authorisation, checks, consent, idempotency and the outbox."""

import asyncio
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import GrantAction, Scope, Stream, to_kafka
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission
from cvihub_intake import store
from cvihub_intake.checks import (
    Refusal,
    Submission,
    check_consent_record,
    check_recipient,
)
from cvihub_intake.events import (
    STREAM_OF_KIND,
    AcceptedEvent,
    accepted_body,
    build_alert_event,
    build_bulletin_event,
    build_event,
    build_referral_event,
    kind_of,
)
from cvihub_intake.models import SubmissionKind, registry_copy
from cvihub_registry_copy import Principal
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.group_commit import GroupCommit

__all__ = [
    "Accepted",
    "Item",
    "Policy",
    "Refusal",
    "accept",
    "build_alert_event",
    "build_bulletin_event",
    "build_referral_event",
    "check_recipient",
]

log = structlog.get_logger(__name__)

PUBLISH_SCOPE = {
    Stream.REFERRALS: Scope.REFERRALS_SUBMIT,
    Stream.INCIDENT_ALERTS: Scope.ALERTS_PUBLISH,
    Stream.BULLETINS: Scope.BULLETINS_PUBLISH,
}
"""The key scope each stream's publishing needs."""

_ATTEMPTS = 3  # a lost race for an idempotency key is retried; the next look-up finds it


@dataclass(frozen=True)
class Policy:
    """The limits intake applies to every submission (from IntakeSettings)."""

    idempotency_ttl: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Item:
    """One submission to accept, with the caller's correlation id and idempotency key."""

    submission: Submission
    correlation_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Accepted:
    """An accepted submission: its 202 answer, and whether that is a replay of an earlier one."""

    kind: SubmissionKind
    status_code: int
    body: dict[str, Any]
    replayed: bool
    event: AcceptedEvent | None = None

    @property
    def event_id(self) -> str:
        """The id of the accepted event."""
        return str(self.body["event_id"])


def fingerprint(submission: Submission) -> str:
    """What an idempotency key remembers of the request: its kind, version and content."""
    canonical = json.dumps(submission.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(f"{type(submission).__name__}\n{canonical}".encode()).hexdigest()


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def accept(
    *,
    sessions: SessionFactory,
    principal: Principal,
    items: Sequence[Item],
    policy: Policy,
    commits: GroupCommit,
) -> list[Accepted]:
    """Accept every item or none, in one transaction; raise the Refusal of the first at fault.

    The transaction is shared (`commits`) with other requests accepted at the same moment (a
    burst costs a few commits, not one per post); a refusal or conflict stays this request's."""
    for attempt in range(_ATTEMPTS):
        now = datetime.now(UTC)
        replays = await _replays(sessions, principal.partner_id, items, now)
        granted: dict[Stream, bool] = {}  # one grant look-up per stream, not per item

        work = functools.partial(
            _accept_all,
            principal=principal,
            items=items,
            replays=replays,
            now=now,
            policy=policy,
            granted=granted,
        )
        try:
            results = await commits.run(work)
        except IntegrityError:
            # Another attempt with the same key committed first: answer as it was answered.
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        for result in results:
            if not result.replayed:
                log.info(
                    "submission accepted",
                    kind=result.kind.value,
                    event_id=result.event_id,
                    partner_id=principal.partner_id,
                )
        return results
    raise AssertionError("unreachable")


async def _accept_all(
    session: AsyncSession,
    *,
    principal: Principal,
    items: Sequence[Item],
    replays: dict[int, Accepted],
    now: datetime,
    policy: Policy,
    granted: dict[Stream, bool],
) -> list[Accepted]:
    return [
        replays[index]
        if index in replays
        else await _accept_one(session, principal, item, index, now, policy, granted)
        for index, item in enumerate(items)
    ]


async def _replays(
    sessions: SessionFactory, partner_id: str, items: Sequence[Item], now: datetime
) -> dict[int, Accepted]:
    found: dict[int, Accepted] = {}
    keyed = [(i, item) for i, item in enumerate(items) if item.idempotency_key is not None]
    if not keyed:
        return found
    hashes = {index: _key_hash(item.idempotency_key or "") for index, item in keyed}
    async with sessions() as session:
        answers = await store.find_answers(
            session, partner_id=partner_id, key_hashes=set(hashes.values()), now=now
        )
    for index, item in keyed:
        answer = answers.get(hashes[index])
        if answer is None:
            continue
        if answer.fingerprint != fingerprint(item.submission):
            raise _at(
                index,
                Refusal(
                    "idempotency-key-reused",
                    "this idempotency key was used for a different request",
                ),
            )
        found[index] = Accepted(
            kind=kind_of(item.submission),
            status_code=answer.status_code,
            body=answer.response,
            replayed=True,
        )
    return found


async def _accept_one(
    session: AsyncSession,
    principal: Principal,
    item: Item,
    index: int,
    now: datetime,
    policy: Policy,
    granted: dict[Stream, bool],
) -> Accepted:
    submission = item.submission
    kind = kind_of(submission)
    partner_id = principal.partner_id
    try:
        await _check(session, principal, submission, kind, now, policy, granted)
    except Refusal as refusal:
        raise _at(index, refusal) from None
    event = build_event(
        submission, partner_id=partner_id, now=now, correlation_id=item.correlation_id
    )
    body = accepted_body(event)
    await store.stage_submission(
        session,
        record=to_kafka(event),
        event_id=event.envelope.id,
        partner_id=partner_id,
        kind=kind,
        accepted_at=now,
    )
    if item.idempotency_key is not None:
        await store.keep_answer(
            session,
            partner_id=partner_id,
            key_hash=_key_hash(item.idempotency_key),
            answer=store.StoredAnswer(
                fingerprint=fingerprint(submission), status_code=202, response=body
            ),
            now=now,
            expires_at=now + policy.idempotency_ttl,
        )
    return Accepted(kind=kind, status_code=202, body=body, replayed=False, event=event)


async def _check(
    session: AsyncSession,
    principal: Principal,
    submission: Submission,
    kind: SubmissionKind,
    now: datetime,
    policy: Policy,
    granted: dict[Stream, bool],
) -> None:
    stream = STREAM_OF_KIND[kind]
    scope = PUBLISH_SCOPE[stream]
    if not principal.allows(scope):
        raise Refusal(
            "insufficient-scope", f"this API key lacks the scope {scope.value}", status=403
        )
    if stream not in granted:
        granted[stream] = await may_publish(
            session=session, partner_id=principal.partner_id, stream=stream
        )
    if not granted[stream]:
        raise Refusal("not-granted", f"you may not publish to the {stream} stream", status=403)
    if isinstance(submission, ReferralSubmission):
        active = await store.is_active_partner(session, submission.recipient_partner_id)
        check_recipient(submission=submission, recipient_is_active=active, now=now)
        consent_id = submission.consent.consent_id
        if consent_id is not None:
            record = await registry_copy.consent(session, consent_id)
            check_consent_record(
                submission=submission, partner_id=principal.partner_id, record=record, now=now
            )


def _at(index: int, refusal: Refusal) -> Refusal:
    refusal.index = index
    return refusal


async def may_publish(*, session: AsyncSession, partner_id: str, stream: Stream) -> bool:
    """Whether the partner holds an active publish grant on the stream."""
    return await registry_copy.is_granted(session, partner_id, stream, GrantAction.PUBLISH)


async def find_own_submission(
    *, sessions: SessionFactory, partner_id: str, event_id: str
) -> store.SubmissionRecord | None:
    """The caller's own submission with this event id; None for anyone else's."""
    async with sessions() as session:
        return await store.find_submission(session, event_id=event_id, partner_id=partner_id)


async def submission_exists(*, sessions: SessionFactory, event_id: str) -> bool:
    """Whether any partner made a submission with this event id."""
    async with sessions() as session:
        return await store.submission_exists(session, event_id=event_id)


async def purge_expired_keys(sessions: SessionFactory, *, every_seconds: float = 600) -> None:
    """Forget expired idempotency keys, every so often, for as long as the service runs."""
    while True:
        try:
            async with transaction(sessions) as session:
                purged = await store.purge_expired_keys(session, now=datetime.now(UTC))
            if purged:
                log.info("idempotency keys expired", count=purged)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("idempotency key purge failed; retrying later")
        await asyncio.sleep(every_seconds)
