"""Builders of the mail relay tests: a registry that mails over SMTP, raw outbox rows."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from registry_builders import registry
from registry_people_builders import WORKER_EMAIL, add_partner, add_person
from sqlalchemy import select

from cvihub_registry.models import mail_outbox
from cvihub_runtime.db import SessionFactory, create_engine, session_factory
from cvihub_testkit import TestDatabase, test_key_ring

MAIL_FROM = "CVI hub <hub@example.org>"


@asynccontextmanager
async def mailing_registry(
    kafka: str, db: TestDatabase, smtp_port: int, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A registry relaying mail to a plain SMTP server on loopback, with one person."""
    settings: dict[str, Any] = {
        "smtp_url": f"smtp://127.0.0.1:{smtp_port}?starttls=false&timeout=5",
        "mail_from": MAIL_FROM,
    }
    settings.update(overrides)
    async with registry(kafka, db, **settings) as client:
        await add_partner(client, "safe-streets")
        await add_person(client, "safe-streets")
        yield client


@asynccontextmanager
async def raw_database(db: TestDatabase) -> AsyncIterator[SessionFactory]:
    """Sessions straight on the registry's database, beside the running app."""
    engine = create_engine(db.url, db.schema)
    try:
        yield session_factory(engine, test_key_ring())
    finally:
        await engine.dispose()


async def mail_rows(sessions: SessionFactory) -> list[dict[str, Any]]:
    """Every row of the mail outbox, oldest first, columns as stored."""
    async with sessions() as session:
        rows = await session.execute(select(mail_outbox).order_by(mail_outbox.c.message_id))
        return [dict(row._mapping) for row in rows]


def code_in(text: str) -> str:
    """The 6-digit code in a message body."""
    match = re.search(r"\b(\d{6})\b", text)
    assert match is not None, "no code in the message"
    return match.group(1)


async def request_code(client: httpx.AsyncClient, email: str = WORKER_EMAIL) -> None:
    """POST /v1/auth/code."""
    assert (await client.post("/v1/auth/code", json={"email": email})).status_code == 202


async def session_with(client: httpx.AsyncClient, code: str) -> httpx.Response:
    """Trade a code for a device session."""
    return await client.post(
        "/v1/auth/session", json={"email": WORKER_EMAIL, "code": code, "device_name": "Phone"}
    )
