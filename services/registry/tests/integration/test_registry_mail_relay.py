"""Sign-in codes delivered over real SMTP: sent once, retried while the server is down."""

from typing import Any

import pytest
from registry_builders import SECRET_KEY, admin, registry
from registry_mail_builders import (
    MAIL_FROM,
    code_in,
    mail_rows,
    mailing_registry,
    raw_database,
    request_code,
    session_with,
)
from registry_people_builders import WORKER_EMAIL, add_partner, add_person

from cvihub_runtime.secretbox import SecretBox
from cvihub_testkit import eventually
from cvihub_testkit.mail import SmtpTestServer, free_port

pytestmark = pytest.mark.integration


async def test_a_code_arrives_by_smtp_once_and_signs_in(
    kafka_bootstrap: str, make_database: Any
) -> None:
    db = make_database("registry")
    with SmtpTestServer().running() as smtp:
        async with (
            mailing_registry(kafka_bootstrap, db, smtp.port) as client,
            raw_database(db) as raw,
        ):
            await request_code(client)
            await request_code(client, "nobody@example.org")  # unknown: no mail at all
            [received] = await eventually(lambda: smtp.received)
            signed_in = await session_with(client, code_in(received.text))
            rows = await eventually(
                lambda: _when(mail_rows(raw), lambda r: r[0]["status"] == "sent")
            )
            listing = (await client.get("/v1/admin/mail-outbox", headers=admin())).json()
        later = smtp.received

    assert len(later) == 1
    assert received.rcpt_tos == [WORKER_EMAIL.lower()]
    assert received.message["To"] == WORKER_EMAIL.lower()
    assert received.message["From"] == MAIL_FROM
    assert received.message["Message-ID"].endswith("@example.org>")
    assert received.message["Date"]
    assert signed_in.status_code == 201, signed_in.text
    [row] = rows
    assert row["body"] is None and row["sent_at"] is not None
    assert row["attempts"] == 1 and row["last_error"] is None and row["lease_until"] is None
    # With a relay the admin never sees a body, even of mail still pending.
    assert [(m["status"], m["body"]) for m in listing] == [("sent", None)]


async def test_mail_waits_while_the_server_is_down_then_goes_out(
    kafka_bootstrap: str, make_database: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    db = make_database("registry")
    port = free_port()  # nothing listens here yet
    settings = {"smtp_retry_seconds": 0.2, "smtp_max_attempts": 20}
    async with (
        mailing_registry(kafka_bootstrap, db, port, **settings) as client,
        raw_database(db) as raw,
    ):
        await request_code(client)
        seen: list[tuple[int, Any]] = []

        async def three_failed_attempts() -> bool:
            [row] = await mail_rows(raw)
            settled = row["lease_until"] is None  # taking the lease counts the attempt
            if settled and (not seen or seen[-1][0] != row["attempts"]):
                seen.append((row["attempts"], row["next_attempt_at"]))
            assert row["status"] == "pending" and row["body"] is not None
            return row["attempts"] >= 3 and settled

        await eventually(three_failed_attempts, interval=0.05)
        [waiting] = await mail_rows(raw)
        with SmtpTestServer(port).running() as smtp:
            [received] = await eventually(lambda: smtp.received)
            [sent] = await eventually(
                lambda: _when(mail_rows(raw), lambda r: r[0]["status"] == "sent")
            )
        signed_in = await session_with(client, code_in(received.text))
        captured: list[str] = []

        def logged_sent() -> bool:
            # The relay logs after its commit: wait for the line rather than race the shutdown.
            captured.extend(capsys.readouterr())
            return "mail sent" in "".join(captured)

        await eventually(logged_sent)
    logs = "".join(captured)

    assert "mail not sent; will retry" in logs and "mail sent" in logs
    assert WORKER_EMAIL.lower() not in logs and code_in(received.text) not in logs
    attempts = [a for a, _ in seen]
    retry_times = [at for a, at in seen if a > 0]
    assert attempts == sorted(set(attempts)) and attempts[-1] >= 3
    assert retry_times == sorted(retry_times) and len(set(retry_times)) == len(retry_times)
    assert waiting["last_error"] == "SMTPConnectError"
    assert sent["attempts"] > waiting["attempts"] and sent["body"] is None
    assert signed_in.status_code == 201, signed_in.text


async def test_a_refused_mailbox_fails_at_once_and_is_wiped(
    kafka_bootstrap: str, make_database: Any
) -> None:
    db = make_database("registry")
    with SmtpTestServer(refuse={WORKER_EMAIL}).running() as smtp:
        async with (
            mailing_registry(kafka_bootstrap, db, smtp.port) as client,
            raw_database(db) as raw,
        ):
            await request_code(client)
            [row] = await eventually(
                lambda: _when(mail_rows(raw), lambda r: r[0]["status"] == "failed")
            )
    assert (row["attempts"], row["body"], row["sent_at"]) == (1, None, None)
    assert row["last_error"] == "recipient refused (550)"
    assert smtp.received == []


async def test_mail_gives_up_after_the_last_attempt(
    kafka_bootstrap: str, make_database: Any
) -> None:
    db = make_database("registry")
    settings = {"smtp_retry_seconds": 0.1, "smtp_max_attempts": 2}
    async with (
        mailing_registry(kafka_bootstrap, db, free_port(), **settings) as client,
        raw_database(db) as raw,
    ):
        await request_code(client)
        [row] = await eventually(
            lambda: _when(mail_rows(raw), lambda r: r[0]["status"] == "failed")
        )
    assert (row["attempts"], row["body"]) == (2, None)
    assert row["last_error"] == "SMTPConnectError"


async def test_without_a_relay_the_code_waits_encrypted_for_the_admin(
    kafka_bootstrap: str, make_database: Any
) -> None:
    db = make_database("registry")
    async with registry(kafka_bootstrap, db) as client, raw_database(db) as raw:
        await add_partner(client, "safe-streets")
        await add_person(client, "safe-streets")
        await request_code(client)
        listing = (await client.get("/v1/admin/mail-outbox", headers=admin())).json()
        [row] = await mail_rows(raw)

    [message] = listing
    code = code_in(message["body"])
    assert (message["status"], message["attempts"]) == ("pending", 0)
    assert code not in row["body"] and "sign-in code" not in row["body"]
    assert code in SecretBox(SECRET_KEY).decrypt(row["body"])
    assert row["expires_at"] is not None


async def _when(rows: Any, done: Any) -> list[dict[str, Any]] | None:
    found: list[dict[str, Any]] = await rows
    return found if found and done(found) else None
