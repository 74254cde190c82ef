"""The portal's queries: the only module that reads or writes its tables."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_portal.models import (
    actions,
    admin_sessions,
    alert_facts,
    alert_responses,
    bulletins,
    console_keys,
    partner_links,
    referral_facts,
)
from cvihub_runtime.sealed import open_values, seal_values


@dataclass(frozen=True)
class Link:
    """The key the portal holds for a partner (still encrypted)."""

    partner_id: str
    credential_id: str
    api_key_encrypted: str
    created_at: datetime
    scopes: list[str] | None = None


@dataclass(frozen=True)
class StoredAction:
    """An action the portal has seen under an idempotency key."""

    state: str
    status_code: int | None
    response: Any


async def get_link(session: AsyncSession, partner_id: str) -> Link | None:
    """The partner's link, if the portal has one."""
    row = (
        await session.execute(select(partner_links).where(partner_links.c.partner_id == partner_id))
    ).first()
    return Link(**row._mapping) if row else None


async def add_link(session: AsyncSession, link: Link) -> None:
    """Keep a new partner link, or replace the partner's old one (a key re-issued)."""
    await session.execute(
        delete(partner_links).where(partner_links.c.partner_id == link.partner_id)
    )
    await session.execute(insert(partner_links).values(**link.__dict__))


async def claim_action(
    session: AsyncSession,
    *,
    partner_id: str,
    key: str,
    person_id: str,
    kind: str,
    target: str,
    now: datetime,
    stale_after: timedelta = timedelta(seconds=60),
) -> StoredAction | None:
    """Take the key for a new action (None), or the action already under it. A key left
    pending longer than `stale_after` (the portal stopped mid-call) is taken over."""
    try:
        async with session.begin_nested():
            await session.execute(
                insert(actions).values(
                    partner_id=partner_id,
                    idempotency_key=key,
                    person_id=person_id,
                    kind=kind,
                    target=target,
                    state="pending",
                    created_at=now,
                )
            )
        return None
    except IntegrityError:
        mine = (actions.c.partner_id == partner_id, actions.c.idempotency_key == key)
        taken_over = await session.execute(
            update(actions)
            .where(*mine, actions.c.state == "pending", actions.c.created_at < now - stale_after)
            .values(created_at=now, person_id=person_id)
        )
        if taken_over.rowcount:  # type: ignore[attr-defined]
            return None
        row = (
            await session.execute(
                select(actions.c.state, actions.c.status_code, actions.c.response).where(*mine)
            )
        ).one()
        stored = open_values(session, actions, {"response": row.response})["response"]
        answer = None if stored is None else json.loads(stored)
        return StoredAction(state=row.state, status_code=row.status_code, response=answer)


async def finish_action(
    session: AsyncSession, *, partner_id: str, key: str, status_code: int, response: Any
) -> None:
    """Store an action's answer, so a repeat of the key gets it again."""
    sealed = seal_values(session, actions, {"response": json.dumps(response)})
    await session.execute(
        update(actions)
        .where(actions.c.partner_id == partner_id, actions.c.idempotency_key == key)
        .values(state="done", status_code=status_code, **sealed)
    )


async def release_action(session: AsyncSession, *, partner_id: str, key: str) -> None:
    """Forget a pending action whose call failed on the way, so a retry runs it."""
    await session.execute(
        delete(actions).where(
            actions.c.partner_id == partner_id,
            actions.c.idempotency_key == key,
            actions.c.state == "pending",
        )
    )


async def add_alert_response(session: AsyncSession, **values: Any) -> None:
    """Record that someone acknowledged an alert, is on their way, or handled it."""
    await session.execute(
        insert(alert_responses).values(seal_values(session, alert_responses, values))
    )


async def alert_responses_of(session: AsyncSession, partner_id: str) -> list[dict[str, Any]]:
    """Every response of a partner's people, oldest first."""
    rows = await session.execute(
        select(
            alert_responses.c.incident_key,
            alert_responses.c.display_name,
            alert_responses.c.response,
            alert_responses.c.at,
        )
        .where(alert_responses.c.partner_id == partner_id)
        .order_by(alert_responses.c.id)
    )
    return [open_values(session, alert_responses, dict(r._mapping)) for r in rows]


async def upsert(session: AsyncSession, table: Any, key: str, values: dict[str, Any]) -> None:
    """Insert a read-model row or overwrite the one with the same key."""
    column = table.c[key]
    found = (await session.execute(select(column).where(column == values[key]))).first()
    if found:
        await session.execute(update(table).where(column == values[key]).values(**values))
    else:
        await session.execute(insert(table).values(**values))


async def referral_fact(session: AsyncSession, referral_id: str) -> dict[str, Any] | None:
    """A referral's facts, if seen."""
    row = (
        await session.execute(
            select(referral_facts).where(referral_facts.c.referral_id == referral_id)
        )
    ).first()
    return dict(row._mapping) if row else None


async def board(session: AsyncSession) -> list[dict[str, Any]]:
    """Active bulletins, events by start then resources, newest first."""
    rows = await session.execute(
        select(bulletins)
        .where(bulletins.c.status == "active")
        .order_by(bulletins.c.published_at.desc())
        .limit(200)
    )
    return [dict(r._mapping) for r in rows]


async def referral_status_counts(session: AsyncSession) -> dict[str, int]:
    """How many referrals are in each status."""
    rows = await session.execute(
        select(referral_facts.c.status, func.count()).group_by(referral_facts.c.status)
    )
    return {row[0]: int(row[1]) for row in rows}


async def referral_status_times(
    session: AsyncSession,
) -> list[tuple[str, datetime | None, datetime]]:
    """(status, submitted_at, updated_at) of each referral."""
    rows = await session.execute(
        select(referral_facts.c.status, referral_facts.c.submitted_at, referral_facts.c.updated_at)
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def acceptance_times(session: AsyncSession) -> list[tuple[datetime, datetime]]:
    """(submitted, accepted) of each accepted referral."""
    rows = await session.execute(
        select(referral_facts.c.submitted_at, referral_facts.c.accepted_at).where(
            referral_facts.c.accepted_at.is_not(None), referral_facts.c.submitted_at.is_not(None)
        )
    )
    return [(row[0], row[1]) for row in rows]


async def alert_zones_and_times(session: AsyncSession) -> list[tuple[str | None, datetime]]:
    """(zone, occurred_at) of each incident."""
    rows = await session.execute(select(alert_facts.c.zone, alert_facts.c.occurred_at))
    return [(row[0], row[1]) for row in rows]


async def add_admin_session(session: AsyncSession, **values: Any) -> None:
    """Keep a signed-in administrator's session (the key already encrypted); sessions whose
    key has run out are dropped on the way (their keys no longer work anyway)."""
    over = select(admin_sessions.c.token_sha256).where(
        admin_sessions.c.expires_at <= values["created_at"]
    )
    await session.execute(delete(console_keys).where(console_keys.c.token_sha256.in_(over)))
    await session.execute(
        delete(admin_sessions).where(admin_sessions.c.expires_at <= values["created_at"])
    )
    await session.execute(insert(admin_sessions).values(**values))


async def admin_session(session: AsyncSession, token_sha256: str) -> dict[str, Any] | None:
    """An administrator's session by its token's hash."""
    row = (
        await session.execute(
            select(admin_sessions).where(admin_sessions.c.token_sha256 == token_sha256)
        )
    ).first()
    return dict(row._mapping) if row else None


async def end_admin_session(session: AsyncSession, token_sha256: str) -> list[dict[str, Any]]:
    """Forget an administrator's session; the console keys it had (to revoke them)."""
    rows = await session.execute(
        select(console_keys).where(console_keys.c.token_sha256 == token_sha256)
    )
    keys = [dict(r._mapping) for r in rows]
    await session.execute(delete(console_keys).where(console_keys.c.token_sha256 == token_sha256))
    await session.execute(
        delete(admin_sessions).where(admin_sessions.c.token_sha256 == token_sha256)
    )
    return keys


async def console_key(
    session: AsyncSession, token_sha256: str, partner_id: str
) -> dict[str, Any] | None:
    """The console key a session holds for a partner, if any."""
    row = (
        await session.execute(
            select(console_keys).where(
                console_keys.c.token_sha256 == token_sha256,
                console_keys.c.partner_id == partner_id,
            )
        )
    ).first()
    return dict(row._mapping) if row else None


async def put_console_key(session: AsyncSession, **values: Any) -> None:
    """Keep (or replace) a session's console key for a partner."""
    await session.execute(
        delete(console_keys).where(
            console_keys.c.token_sha256 == values["token_sha256"],
            console_keys.c.partner_id == values["partner_id"],
        )
    )
    await session.execute(insert(console_keys).values(**values))
