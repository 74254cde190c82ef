"""Audit hash chain: prev_hash/entry_hash on audit_log, the audit_head row, append-only trigger.

Existing rows are chained in id order (their ids are kept, gaps and all: the chain, not the
ids, proves that nothing is missing). On PostgreSQL a trigger refuses UPDATE, DELETE and
TRUNCATE of audit_log. SQLite gets no trigger: a SQLite file is only as safe as the file system
(whoever can write the file can drop any trigger or edit pages directly), so there the chain and
the head are the protection.

Revision ID: 0003_audit_chain
Revises: 0002_grant_views
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The hash is a fixed format (changing it would need a new migration anyway), so reuse it.
from cvihub_registry.audit.chain import GENESIS_HASH, entry_hash

revision: str = "0003_audit_chain"
down_revision: str | None = "0002_grant_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_audit = sa.table(
    "audit_log",
    sa.column("id", sa.BigInteger()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("detail", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("entry_hash", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
    last_id, last_hash = _chain_existing_rows()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("entry_hash", existing_type=sa.String(length=64), nullable=False)
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.execute(
        sa.text("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, :last_id, :hash)")
        .bindparams(last_id=last_id, hash=last_hash)
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def _chain_existing_rows() -> tuple[int, str]:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_audit).order_by(_audit.c.id)).all()
    last_id, prev_hash = 0, GENESIS_HASH
    for row in rows:
        digest = entry_hash(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity_id=row.entity_id,
            detail=row.detail,
            prev_hash=prev_hash,
        )
        bind.execute(
            sa.update(_audit)
            .where(_audit.c.id == row.id)
            .values(prev_hash=prev_hash, entry_hash=digest)
        )
        last_id, prev_hash = row.id, digest
    return last_id, prev_hash


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("prev_hash")
