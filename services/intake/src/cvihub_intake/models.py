"""Tables of the intake service: submissions, idempotency keys, the outbox, the inbox and the
registry copy."""

from enum import StrEnum

from sqlalchemy import JSON, Boolean, Column, Date, Integer, PrimaryKeyConstraint, String, Table

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


# A retried request finds its first answer here. The key is kept hashed (it may be any text the
# partner chose); the answer holds ids only, never the payload. Written in the transaction that
# stages the event, so a key is taken if and only if its event is in the outbox.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("partner_id", String(64), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False, index=True),
    PrimaryKeyConstraint("partner_id", "key_hash"),
)


# An upload's progress and counts; the file itself is never kept (it may hold patient data).
upload_jobs = Table(
    "upload_jobs",
    metadata,
    Column("upload_id", String(36), primary_key=True),
    Column("partner_id", String(64), nullable=False, index=True),
    Column("upload_type", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("all_or_nothing", Boolean, nullable=False),
    Column("encoding", String(16), nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("rows_done", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("blank", Integer, nullable=False),
    Column("detail", String(500), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
)

# One line of an upload's report: the event it made, or what is wrong, by column (no values).
upload_rows = Table(
    "upload_rows",
    metadata,
    Column("upload_id", String(36), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("event_id", String(64), nullable=True),
    Column("replayed", Boolean, nullable=False),
    Column("errors", JSON, nullable=False),
    PrimaryKeyConstraint("upload_id", "row_number"),
)


# The read model behind GET /fhir/Task: each referral's status, from the referrals topic.
fhir_tasks = Table(
    "fhir_tasks",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("referring_partner_id", String(64), nullable=False, index=True),
    Column("recipient_partner_id", String(64), nullable=False, index=True),
    Column("status", String(32), nullable=False),
    Column("status_reason", String(64), nullable=True),
    Column("authored_on", UtcDateTime(), nullable=False),
    Column("last_updated", UtcDateTime(), nullable=False, index=True),
)


# Task.output: the contact attempts and services delivered that referrals' status events carry
# (kind, time, method, outcome, service code; never a note), one row per event.
fhir_task_outputs = Table(
    "fhir_task_outputs",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("referral_id", String(36), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("method", String(32), nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("service_type", String(64), nullable=True),
    Column("service_date", Date, nullable=True),
)


# FHIR R4 Subscriptions (the Subscriptions Backport, rest-hook, id-only) on the caller's Tasks.
fhir_subscriptions = Table(
    "fhir_subscriptions",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("partner_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("owner_filter", String(64), nullable=True),
    Column("requester_filter", String(64), nullable=True),
    Column("endpoint", String(2048), nullable=False),
    Column("end", UtcDateTime(), nullable=True),
    Column("events_since_start", Integer, nullable=False),
    Column("error", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# One notification per subscription and Task change, sent by the rest-hook worker with retries.
fhir_notifications = Table(
    "fhir_notifications",
    metadata,
    Column("notification_id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", String(36), nullable=False, index=True),
    Column("event_number", Integer, nullable=False),
    Column("task_id", String(36), nullable=False),
    Column("event_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False, index=True),
    Column("last_error", String(200), nullable=True),
)
