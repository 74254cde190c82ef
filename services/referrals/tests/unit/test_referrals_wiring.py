"""Tables, migrations and event routing of the referrals service agree with the runtime."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_referrals.app import MIGRATIONS_DIR
from cvihub_referrals.handlers import event_handlers, on_referral_submitted
from cvihub_referrals.models import metadata, replica
from cvihub_runtime.db import create_engine
from cvihub_runtime.migrations import upgrade
from cvihub_runtime.replica import REGISTRY_EVENT_TYPES


def test_every_registry_event_feeds_the_replica_and_submissions_are_stored() -> None:
    handlers = event_handlers(replica)
    for model in REGISTRY_EVENT_TYPES:
        assert handlers[model] == replica.apply
    assert handlers[ReferralSubmittedV1] is on_referral_submitted
    # Our own status changes come back on the topic and need nothing.
    assert ReferralStatusChangedV1 not in handlers


async def test_the_migrations_create_exactly_the_tables_of_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'referrals.db'}")
    try:
        await upgrade(engine, MIGRATIONS_DIR, None)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []
