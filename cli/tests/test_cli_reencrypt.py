"""`cvihub reencrypt` reseals the local hub's outboxes and sealed columns under the first key
of data.keys."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import MetaData, select, text
from typer.testing import CliRunner

from cvihub_cli.main import app
from cvihub_runtime.db import create_engine
from cvihub_runtime.migrations import upgrade
from cvihub_runtime.secretbox import KeyRing, key_id_of, new_fernet_key
from cvihub_runtime.tables import define_outbox

OLD, NEW = f"old:{new_fernet_key()}", f"new:{new_fernet_key()}"
PAYLOAD = b'{"patient": {"family_name": "Quackenbush"}}'


SOURCES = Path(__file__).parents[2]
INTAKE_MIGRATIONS = SOURCES / "services/intake/src/cvihub_intake/migrations"
COPY_MIGRATIONS = SOURCES / "registry_copy/src/cvihub_registry_copy/migrations"


async def _outbox_with(path: Path, values: list[bytes]) -> None:
    """An intake database with these outbox values and an endpoint its registry copy stored
    before endpoints were sealed (intake's own command reseals the copy's columns too)."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine, INTAKE_MIGRATIONS, None, shared=[COPY_MIGRATIONS])
    outbox = define_outbox(MetaData())
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO replica_subscriptions (subscription_id, partner_id, stream, url,"
                " secret_encrypted, status, sequence) VALUES ('s1', 'p1', 'incident-alerts',"
                " 'sms:+15550000031', '', 'active', 1)"
            )
        )
        for n, value in enumerate(values):
            await connection.execute(
                outbox.insert().values(
                    event_id=f"e-{n}",
                    topic="t",
                    key=b"k",
                    headers={},
                    value=value,
                    created_at=datetime.now(UTC),
                )
            )
    await engine.dispose()


async def _values(path: Path) -> list[bytes]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    outbox = define_outbox(MetaData())
    async with engine.connect() as connection:
        values = list((await connection.execute(select(outbox.c.value))).scalars())
    await engine.dispose()
    return values


def test_reencrypt_rewrites_old_and_plaintext_rows_then_check_passes(tmp_path: Path) -> None:
    sealed_old = KeyRing.parse(OLD).seal(PAYLOAD)
    asyncio.run(_outbox_with(tmp_path / "intake.db", [sealed_old, PAYLOAD]))
    (tmp_path / "data.keys").write_text(f"{NEW},{OLD}")
    runner = CliRunner()

    stale = runner.invoke(app, ["reencrypt", "--data-dir", str(tmp_path), "--check"])
    assert stale.exit_code == 1, stale.output
    assert "(plaintext): 2" in stale.output and "old: 1" in stale.output

    done = runner.invoke(app, ["reencrypt", "--data-dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert "rewrote 3 rows; all now under key new" in done.output
    assert "registry: no database" in done.output

    (tmp_path / "data.keys").write_text(NEW)  # the old key dropped
    check = runner.invoke(app, ["reencrypt", "--data-dir", str(tmp_path), "--check"])
    assert check.exit_code == 0, check.output
    values = asyncio.run(_values(tmp_path / "intake.db"))
    assert {key_id_of(v) for v in values} == {"new"}
    assert [KeyRing.parse(NEW).open(v) for v in values] == [PAYLOAD, PAYLOAD]


REGISTRY_MIGRATIONS = SOURCES / "services/registry/src/cvihub_registry/migrations"


async def _registry_with_sealed_email(path: Path, ring: KeyRing) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine, REGISTRY_MIGRATIONS, None)
    sealed = ring.seal(b"desk@mercy.example").decode()
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO partners (partner_id, name, kind, status, contact_email, sequence,"
                " created_at, updated_at) VALUES ('p1', 'P', 'hospital', 'active', :email, 1,"
                " :now, :now)"
            ),
            {"email": sealed, "now": datetime.now(UTC)},
        )
    await engine.dispose()


def test_the_registry_columns_are_resealed_by_its_own_command(tmp_path: Path) -> None:
    asyncio.run(_registry_with_sealed_email(tmp_path / "registry.db", KeyRing.parse(OLD)))
    (tmp_path / "data.keys").write_text(f"{NEW},{OLD}")
    runner = CliRunner()

    stale = runner.invoke(app, ["reencrypt", "--data-dir", str(tmp_path), "--check"])
    assert stale.exit_code == 1, stale.output
    assert "registry sealed values" in stale.output and "old: 1" in stale.output
    done = runner.invoke(app, ["reencrypt", "--data-dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    check = runner.invoke(app, ["reencrypt", "--data-dir", str(tmp_path), "--check"])
    assert check.exit_code == 0, check.output
