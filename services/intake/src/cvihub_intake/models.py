"""Tables of the intake service: submissions, the outbox, the inbox and the registry copy."""

from enum import StrEnum

from sqlalchemy import Column, DateTime, MetaData, String, Table

from cvihub_runtime.outbox import define_outbox
from cvihub_runtime.replica import RegistryReplica

# Named constraints keep later migrations portable (SQLite batch mode needs names to drop them).
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

outbox = define_outbox(metadata)
replica = RegistryReplica(metadata)

# Same shape as cvihub_runtime.inbox.define_inbox, declared here because that module imports
# FastStream and service.py (which reaches this module) must not; a unit test keeps them equal.
inbox = Table(
    "processed_events",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)


class SubmissionKind(StrEnum):
    """What a partner submitted."""

    REFERRAL = "referral"
    INCIDENT_ALERT = "incident-alert"
    BULLETIN = "bulletin"


# Only ids and times: the payload lives in the outbox record and must not be kept twice.
submissions = Table(
    "submissions",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("partner_id", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("accepted_at", DateTime(timezone=True), nullable=False),
)
