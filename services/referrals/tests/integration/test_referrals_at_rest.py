"""Referral data at rest: a raw dump of the database holds none of the person in plaintext, and
keys rotate (old keys read, the re-encrypt command seals everything under the new one)."""

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from referrals_builders import CVI_ORG, make_submitted, submitted_event
from sqlalchemy import make_url, select, text

from cvihub_contracts.codes import CviService
from cvihub_contracts.referral.status_changed_v1 import (
    ContactMethod,
    ContactOutcome,
    ReferralStatus,
    StatusReason,
)
from cvihub_contracts.referral.submitted_v1 import Injury, InjuryMechanism, Patient
from cvihub_referrals import activities, service
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.models import activities as activities_table
from cvihub_referrals.models import metadata, referrals, status_history
from cvihub_referrals.reencrypt import reencrypt
from cvihub_referrals.sealing import SEALED_PREFIX
from cvihub_registry_copy import MIGRATIONS as registry_copy_migrations
from cvihub_runtime.db import (
    SessionFactory,
    bind_key_ring,
    create_engine,
    session_factory,
    transaction,
)
from cvihub_runtime.migrations import upgrade
from cvihub_runtime.secretbox import KeyRing, new_fernet_key
from cvihub_testkit import TestDatabase

pytestmark = pytest.mark.integration

NAME = ("Jamal", "Okonkwo-Rivera")
BIRTH_DATE = date(1999, 4, 2)
PHONE = "+13125550187"
ADDRESS = "4410 W Madison St"
NEEDLES = [*NAME, BIRTH_DATE.isoformat(), PHONE, PHONE[2:], ADDRESS]


@pytest.fixture
async def db(make_database: Callable[[str], TestDatabase]) -> TestDatabase:
    return make_database("referrals")


@pytest.fixture
async def engine_sessions(db: TestDatabase) -> AsyncIterator[SessionFactory]:
    engine = create_engine(db.url, db.schema)
    await upgrade(engine, MIGRATIONS_DIR, db.schema, shared=[registry_copy_migrations])
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def _with(sessions: SessionFactory, ring: KeyRing) -> SessionFactory:
    bind_key_ring(sessions, ring)
    return sessions


async def _walk_one_referral(sessions: SessionFactory) -> str:
    """A referral of the test person, accepted, contacted, served, with case notes."""
    data = make_submitted(
        patient=Patient(
            given_name=NAME[0], family_name=NAME[1], date_of_birth=BIRTH_DATE, phone=PHONE
        ),
        injury=Injury(
            mechanism=InjuryMechanism.GUNSHOT,
            injured_on=date(2024, 5, 1),
            description=f"shot outside {ADDRESS}",
        ),
        reason=f"lives at {ADDRESS}; retaliation feared",
    )
    referral_id = str(data.referral_id)
    async with transaction(sessions) as session:
        await service.record_submission(session=session, event=submitted_event(data))
    await service.change_status(
        sessions=sessions,
        referral_id=referral_id,
        partner_id=CVI_ORG,
        target=ReferralStatus.ACCEPTED,
        reason=StatusReason.ELIGIBLE,
        note="accepted for outreach",
    )
    when = datetime.now(UTC) - timedelta(hours=1)
    attempt = activities.Attempt(when, ContactMethod.HOME_VISIT, ContactOutcome.REACHED)
    served = activities.ServiceDelivered(CviService.RELOCATION, when.date())
    for entry, note in [
        (attempt, f"visited {ADDRESS}, called {PHONE}"),
        (served, f"moved {NAME[0]} away from {ADDRESS}"),
        (None, f"{NAME[0]} {NAME[1]}, born {BIRTH_DATE.isoformat()}"),
    ]:
        await activities.record_activity(
            sessions=sessions, referral_id=referral_id, partner_id=CVI_ORG, entry=entry, note=note
        )
    return referral_id


async def _raw_dump(db: TestDatabase, sessions: SessionFactory) -> str:
    """Everything the database holds, as the database holds it."""
    url = make_url(db.url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        files = [Path(url.database), Path(f"{url.database}-wal")]
        return "".join(p.read_bytes().decode("latin-1") for p in files if p.exists())
    dumped = []
    async with sessions() as session:
        for table in metadata.sorted_tables:
            rows = await session.execute(
                text(f'SELECT t::text FROM "{db.schema}"."{table.name}" t')  # noqa: S608
            )
            dumped.extend(str(row[0]) for row in rows)
    return "\n".join(dumped)


async def test_a_raw_dump_holds_no_plaintext_name_birth_date_phone_or_address(
    db: TestDatabase, engine_sessions: SessionFactory
) -> None:
    sessions = _with(engine_sessions, KeyRing([("k1", new_fernet_key())]))
    referral_id = await _walk_one_referral(sessions)
    # The data is there, readable through the service...
    view = await service.get_referral(
        sessions=sessions, referral_id=referral_id, partner_id=CVI_ORG
    )
    assert view.referral.payload["patient"]["family_name"] == NAME[1]
    assert {a.note for a in view.activities} >= {f"visited {ADDRESS}, called {PHONE}"}

    dump = await _raw_dump(db, sessions)

    assert referral_id in dump  # ...and the dump is of this database
    found = [needle for needle in NEEDLES if needle in dump]
    assert found == []
    async with sessions() as session:
        stored = await session.scalar(select(referrals.c.payload))
        notes = (await session.execute(select(activities_table.c.note))).scalars().all()
    assert str(stored).startswith(SEALED_PREFIX)
    assert all(str(note).startswith(SEALED_PREFIX) for note in notes)


async def test_old_keys_read_and_reencrypt_seals_every_row_under_the_new_key(
    engine_sessions: SessionFactory,
) -> None:
    old, new = new_fernet_key(), new_fernet_key()
    sessions = _with(engine_sessions, KeyRing([("old", old)]))
    referral_id = await _walk_one_referral(sessions)
    # A row from before encryption: plaintext JSON in the payload column.
    legacy = make_submitted()
    async with transaction(sessions) as session:
        await service.record_submission(session=session, event=submitted_event(legacy))
        await session.execute(
            referrals.update()
            .where(referrals.c.referral_id == str(legacy.referral_id))
            .values(payload=json.dumps(legacy.model_dump(mode="json")))
        )

    rotated = _with(engine_sessions, KeyRing([("new", new), ("old", old)]))
    before = await service.get_referral(
        sessions=rotated, referral_id=referral_id, partner_id=CVI_ORG
    )
    assert before.referral.payload["patient"]["given_name"] == NAME[0]

    results = {r.column: (r.resealed, r.seen) for r in await reencrypt(rotated)}
    assert results == {
        "referrals.payload": (2, 2),
        "referral_status_history.note": (1, 1),
        "referral_activities.note": (3, 3),
        "replica_subscriptions.url": (0, 0),  # the registry copy's endpoints (none here)
        "replica_partners.contact_email": (0, 0),  # the copy's contact addresses (none here)
    }
    again = await reencrypt(rotated)
    assert [r.resealed for r in again] == [0, 0, 0, 0, 0]

    only_new = _with(engine_sessions, KeyRing([("new", new)]))
    for rid in (referral_id, str(legacy.referral_id)):
        view = await service.get_referral(sessions=only_new, referral_id=rid, partner_id=CVI_ORG)
        assert view.referral.payload["referring_partner_id"] == "mercy-hospital"
    async with only_new() as session:
        stored = await session.scalar(
            select(referrals.c.payload).where(referrals.c.referral_id == str(legacy.referral_id))
        )
        history_notes = (await session.execute(select(status_history.c.note))).scalars().all()
    assert str(stored).startswith(SEALED_PREFIX)
    assert [n for n in history_notes if n is not None and not n.startswith(SEALED_PREFIX)] == []
    with pytest.raises(ValueError, match="not in the ring"):
        await service.get_referral(
            sessions=_with(engine_sessions, KeyRing([("old", old)])),
            referral_id=referral_id,
            partner_id=CVI_ORG,
        )
