"""Submissions' payloads are sealed in intake's outbox: a raw dump of the database holds none of
the patient's identity, and the key ring rotates (old keys read, re-encrypt, old key dropped)."""

import os
import re
import subprocess
import sys
from collections.abc import Callable

import pytest
from intake_builders import RECIPIENT, alert_body, make_partner, referral_body
from intake_harness import intake_with

from cvihub_contracts import Stream, from_kafka, topics
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_runtime.secretbox import new_fernet_key
from cvihub_testkit import (
    TestDatabase,
    consume_until,
    dump_database,
    eventually,
    plaintext_in,
)

pytestmark = pytest.mark.integration

# Test PII, distinctive enough that no other stored text contains it by chance.
GIVEN, FAMILY, BIRTH = "Zebulon", "Quackenbush", "1987-06-05"
PHONE, EMAIL = "+15555550123", "zebulon.q@example.org"
GUARDIAN, ADDRESS = "Yolanda Fairweather", "4400 block of N Honeysuckle Ave"
PII = [GIVEN, FAMILY, BIRTH, PHONE, EMAIL, GUARDIAN, ADDRESS]


def pii_referral() -> dict[str, object]:
    """A referral whose patient, consent and injury carry the test PII."""
    body = referral_body()
    body["patient"] = {
        "given_name": GIVEN,
        "family_name": FAMILY,
        "date_of_birth": BIRTH,
        "phone": PHONE,
        "email": EMAIL,
    }
    body["consent"] = {**body["consent"], "consented_by": f"guardian {GUARDIAN}"}  # type: ignore[dict-item]
    return body


def reencrypt(
    database: TestDatabase, data_keys: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """`python -m cvihub_runtime.reencrypt intake`, with intake's settings in the environment."""
    env = {**os.environ, **database.env("INTAKE_"), "INTAKE_DATA_KEYS": data_keys}
    return subprocess.run(
        [sys.executable, "-m", "cvihub_runtime.reencrypt", "intake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_outbox_holds_no_plaintext_pii_and_its_keys_rotate(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    database = make_database("intake")
    old = f"old:{new_fernet_key()}"
    new = f"new:{new_fernet_key()}"
    hospital = make_partner("mercy-hospital", publishes=(Stream.REFERRALS,))
    police = make_partner(
        "metro-police", publishes=(Stream.INCIDENT_ALERTS,), kind=PartnerKind.POLICE
    )
    recipient = make_partner(RECIPIENT, kind=PartnerKind.CVI_ORG)

    async with intake_with(kafka_bootstrap, database, old) as intake:
        await intake.announce(hospital, police, recipient, recipients=(RECIPIENT,))
        referral = await intake.client.post(
            "/v1/referrals", json=pii_referral(), headers=hospital.auth
        )
        assert referral.status_code == 202, referral.text
        alert = alert_body(location={"block_address": ADDRESS})
        assert (
            await intake.client.post("/v1/incident-alerts", json=alert, headers=police.auth)
        ).status_code == 202
        referral_id = referral.json()["referral_id"]
        # The relay opened the payload: the broker got the referral as it was sent.
        [record] = await consume_until(
            kafka_bootstrap, topics.REFERRALS, lambda r: r.key == referral_id.encode()
        )
        event = from_kafka(dict(record.headers), record.key, record.value)
        assert event.data.patient.family_name == FAMILY  # type: ignore[attr-defined]
        await eventually(intake.all_published, timeout=20)

    dump = await dump_database(database)
    assert referral_id.encode() in dump or referral_id.encode().hex().encode() in dump.lower()
    assert plaintext_in(dump, PII) == []

    # Rotation: the new key first, the old one still in the ring, then re-encrypt.
    rotated = f"{new},{old}"
    stale = reencrypt(database, new, "--check")
    assert stale.returncode != 0  # without the old key the rows cannot stay unread: say so
    rewritten = reencrypt(database, rotated)
    assert rewritten.returncode == 0, rewritten.stderr
    # Two submissions and the audit of the first, unauthenticated probe: all under the old key.
    sealed = re.search(r"rows per key before: old: (\d+)\n", rewritten.stdout)
    assert sealed is not None and int(sealed[1]) >= 2, rewritten.stdout
    assert f"rewrote {sealed[1]} rows; all now under key new" in rewritten.stdout
    check = reencrypt(database, new, "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"before: new: {sealed[1]}\n" in check.stdout and "0 rows not under" in check.stdout
    assert plaintext_in(await dump_database(database), PII) == []

    # The old key is gone; intake still relays under the new ring alone.
    async with intake_with(kafka_bootstrap, database, new) as intake:
        await intake.announce(hospital, recipient, recipients=(RECIPIENT,))
        again = await intake.client.post(
            "/v1/referrals", json=pii_referral(), headers=hospital.auth
        )
        assert again.status_code == 202, again.text
        await consume_until(
            kafka_bootstrap,
            topics.REFERRALS,
            lambda r: r.key == again.json()["referral_id"].encode(),
        )
        await eventually(intake.all_published, timeout=20)
    assert plaintext_in(await dump_database(database), PII) == []
