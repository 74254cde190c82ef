"""The portal keeps no personal data in plaintext: after a person answers an alert, accepts a
referral (whose answer, stored for replays, holds the patient) and logs a contact attempt, a
raw dump of its database holds none of the names, birth date, phone or address; a replay and
the responses list still read them back."""

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from portal_harness import WORKER, portal_core

from cvihub_portal import service, store
from cvihub_portal.models import metadata
from cvihub_runtime.reencrypt import reencrypt_database, stale_rows
from cvihub_runtime.secretbox import KeyRing, new_fernet_key
from cvihub_testkit import TestDatabase, dump_database, plaintext_in
from cvihub_testkit.keys import run_key_ring_text

pytestmark = pytest.mark.integration

# Test PII, distinctive enough that no other stored text holds it by chance.
WORKER_NAME, GIVEN, FAMILY = "Bartholomew Oyelaran-Finch", "Philippa", "Vandersloot"
BIRTH, PHONE, STREET = "2004-03-09", "+17735550162", "5120 W Diversey Ave"
PII = [WORKER_NAME, GIVEN, FAMILY, BIRTH, PHONE, STREET]
PERSON = dataclasses.replace(WORKER, display_name=WORKER_NAME)
REFERRAL = {
    "referral_id": "r1",
    "status": "accepted",
    "recipient_partner_id": WORKER.partner_id,
    "patient": {"given_name": GIVEN, "family_name": FAMILY, "date_of_birth": BIRTH},
    "contact": {"phone": PHONE, "address": STREET},
}


def referrals_service(request: httpx.Request) -> httpx.Response:
    """The referrals service behind the portal: every call answers the referral."""
    return httpx.Response(200, json=REFERRAL)


async def _act(core: service.PortalCore) -> None:
    async def respond(session: Any) -> service.Outcome:
        await store.add_alert_response(
            session,
            partner_id=PERSON.partner_id,
            incident_key="police-1/CAD-1",
            person_id=PERSON.person_id,
            display_name=PERSON.display_name,
            response="on-my-way",
            at=datetime.now(UTC),
            idempotency_key="key-alert-1",
        )
        return 201, {"display_name": PERSON.display_name}

    async def accept(session: Any) -> service.Outcome:
        return 200, await core.clients.move_referral("cvh_key", "r1", "accept", {})

    async def contact(session: Any) -> service.Outcome:
        # The attempt itself goes to the referrals service; the portal keeps only its answer.
        return 201, {"channel": "phone"}

    await service.once(core, PERSON, key="key-alert-1", kind="alert", target="t", act=respond)
    await service.once(core, PERSON, key="key-accept-1", kind="accept", target="r1", act=accept)
    await service.once(core, PERSON, key="key-contact-1", kind="contact", target="r1", act=contact)


async def test_a_raw_dump_holds_no_names_or_patient_data_and_they_still_read(
    make_database: Callable[[str], TestDatabase],
) -> None:
    database = make_database("portal")
    async with portal_core(database, referrals_service) as core:
        await _act(core)

        async def accept_again(session: Any) -> service.Outcome:
            raise AssertionError("a replay does not call the service again")

        (status, answer), replayed = await service.once(
            core, PERSON, key="key-accept-1", kind="accept", target="r1", act=accept_again
        )
        assert (status, replayed, answer) == (200, True, REFERRAL)
        async with core.sessions() as session:
            responses = await store.alert_responses_of(session, PERSON.partner_id)
        assert [r["display_name"] for r in responses] == [WORKER_NAME]

    dump = await dump_database(database)
    assert plaintext_in(dump, ["key-accept-1", "on-my-way"]) == ["key-accept-1", "on-my-way"]
    assert plaintext_in(dump, PII) == []


async def test_a_rotated_ring_reseals_the_portal_columns(
    make_database: Callable[[str], TestDatabase],
) -> None:
    database = make_database("portal")
    async with portal_core(database, referrals_service) as core:
        await _act(core)
    rotated = KeyRing.parse(f"rotated:{new_fernet_key()},{run_key_ring_text()}")
    before = await reencrypt_database(
        database.url, database.schema, rotated, check_only=True, metadata=metadata
    )
    assert stale_rows(before, rotated) == 4  # three answers and one name
    await reencrypt_database(database.url, database.schema, rotated, metadata=metadata)
    after = await reencrypt_database(
        database.url, database.schema, rotated, check_only=True, metadata=metadata
    )
    assert stale_rows(after, rotated) == 0
    assert plaintext_in(await dump_database(database), PII) == []
