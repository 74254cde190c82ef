"""Tables of the intake service: submissions, the outbox, the inbox and the registry copy."""

from enum import StrEnum

from sqlalchemy import Column, String, Table

from cvihub_registry_copy import RegistryCopy
from cvihub_runtime.tables import UtcDateTime, define_inbox, define_outbox, service_metadata

metadata = service_metadata()

outbox = define_outbox(metadata)
registry_copy = RegistryCopy(metadata)

inbox = define_inbox(metadata)


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
    Column("accepted_at", UtcDateTime(), nullable=False),
)
