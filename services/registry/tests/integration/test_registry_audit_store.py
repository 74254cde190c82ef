"""The audit chain on a real database: appends, migration of old rows, tampering, the trigger."""

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from registry_audit_builders import migrated
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_registry import store
from cvihub_registry.audit import store as audit_store
from cvihub_registry.audit.chain import GENESIS_HASH
from cvihub_registry.audit.cli import main, verify
from cvihub_registry.audit.service import announce_head, verify_log
from cvihub_registry.core import RegistryCore
from cvihub_runtime.db import SessionFactory, transaction
from cvihub_runtime.secretbox import SecretBox, new_fernet_key
from cvihub_testkit import test_database_kind

pytestmark = pytest.mark.integration

POSTGRES = test_database_kind() == "postgresql"


async def _append(sessions: SessionFactory, n: int, *, change: bool = False) -> None:
    async with transaction(sessions) as session:
        if change:
            await store.next_sequence(session)  # a change takes the sequence lock first
        await audit_store.add_audit(
            session, actor="admin", action="partner.created", entity_id=f"p-{n}", detail={"n": n}
        )


async def _tamper(session: AsyncSession, sql: str) -> None:
    if POSTGRES:
        # An attacker with DDL rights can switch the trigger off; the chain still tells.
        await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    await session.execute(text(sql))


async def test_concurrent_appends_and_refusals_form_one_chain(make_database: Any) -> None:
    async with migrated(make_database("registry")) as sessions:
        await asyncio.gather(*(_append(sessions, n, change=n % 2 == 0) for n in range(24)))
        result = await verify_log(sessions)
        async with sessions() as session:
            entries = await audit_store.audit_page(session, after_id=0, limit=100)
            head = await audit_store.get_audit_head(session)
    assert (result.ok, result.checked) == (True, 24)
    assert [e.id for e in entries] == list(range(1, 25))
    assert sorted(e.detail["n"] for e in entries) == list(range(24))
    assert head is not None and (head.last_id, head.last_hash) == (24, entries[-1].entry_hash)


async def test_the_migration_chains_rows_written_before_it(make_database: Any) -> None:
    db = make_database("registry")
    at = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    async with migrated(db, "0002_grant_views") as sessions, transaction(sessions) as session:
        for entry_id in (1, 2, 5):  # a rolled-back insert can leave a gap in old ids
            await session.execute(
                text(
                    "INSERT INTO audit_log (id, at, actor, action, entity_id, detail) "
                    "VALUES (:id, :at, 'admin', 'partner.created', 'p', :detail)"
                ),
                {"id": entry_id, "at": at, "detail": json.dumps({"n": entry_id})},
            )
    async with migrated(db) as sessions:
        before = await verify_log(sessions)
        await _append(sessions, 6)
        after = await verify_log(sessions)
        async with sessions() as session:
            entries = await audit_store.audit_page(session, after_id=0, limit=10)
        core = RegistryCore(
            sessions=sessions, box=SecretBox(new_fernet_key()), wake=lambda: None, email_key=b"k"
        )
        head = await announce_head(core=core)
    assert (before.ok, before.checked) == (True, 3)
    assert (after.ok, after.checked) == (True, 4)
    assert [e.id for e in entries] == [1, 2, 5, 6]
    assert entries[0].prev_hash == GENESIS_HASH
    assert head is not None and (head.last_id, head.last_hash) == (6, entries[-1].entry_hash)


TAMPERING: dict[str, tuple[str, int, str]] = {
    "edit-detail": (
        "UPDATE audit_log SET detail = '{\"n\": 99}' WHERE id = 2",
        2,
        "edited",
    ),
    "edit-actor": ("UPDATE audit_log SET actor = 'someone-else' WHERE id = 3", 3, "edited"),
    "delete-middle": ("DELETE FROM audit_log WHERE id = 2", 3, "missing"),
    "delete-last": ("DELETE FROM audit_log WHERE id = 4", 4, "head names entry 4"),
    "append-behind-head": (
        "INSERT INTO audit_log (id, at, actor, action, detail, prev_hash, entry_hash) "
        "SELECT 5, at, 'x', 'y', detail, entry_hash, entry_hash FROM audit_log WHERE id = 4",
        5,
        "edited",
    ),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
async def test_the_offline_check_finds_each_kind_of_tampering(
    make_database: Any, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    sql, first_bad_id, reason = TAMPERING[kind]
    db = make_database("registry")
    async with migrated(db) as sessions:
        for n in range(4):
            await _append(sessions, n)
        assert (await verify(db.url, db.schema)).ok
        async with transaction(sessions) as session:
            await _tamper(session, sql)
    args = ["verify", "--database-url", db.url, *(["--schema", db.schema] if db.schema else [])]
    status = await asyncio.to_thread(main, args)
    verdict = json.loads(capsys.readouterr().out)
    assert status == 1
    assert (verdict["ok"], verdict["first_bad_id"]) == (False, first_bad_id)
    assert reason in verdict["reason"]


async def test_the_command_line_exits_zero_on_an_intact_log(make_database: Any) -> None:
    db = make_database("registry")
    async with migrated(db) as sessions:
        await _append(sessions, 1)
    args = ["verify", "--database-url", db.url, *(["--schema", db.schema] if db.schema else [])]
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "cvihub_registry.audit", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "ok": True,
        "checked": 1,
        "first_bad_id": None,
        "reason": None,
    }


@pytest.mark.skipif(not POSTGRES, reason="the append-only trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET actor = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ],
)
async def test_postgres_refuses_to_change_audit_rows(make_database: Any, sql: str) -> None:
    async with migrated(make_database("registry")) as sessions:
        await _append(sessions, 1)

        async def refused() -> None:
            async with transaction(sessions) as session:
                await session.execute(text(sql))

        with pytest.raises(DBAPIError, match="append-only"):
            await refused()
        assert (await verify_log(sessions)).checked == 1
