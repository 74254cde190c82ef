"""The FHIR Task read model: each referral's status.

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('fhir_tasks',
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('referring_partner_id', sa.String(length=64), nullable=False),
    sa.Column('recipient_partner_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_reason', sa.String(length=64), nullable=True),
    sa.Column('authored_on', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_updated', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('referral_id', name=op.f('pk_fhir_tasks'))
    )
    with op.batch_alter_table('fhir_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fhir_tasks_last_updated'), ['last_updated'], unique=False)
        batch_op.create_index(batch_op.f('ix_fhir_tasks_recipient_partner_id'), ['recipient_partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fhir_tasks_referring_partner_id'), ['referring_partner_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('fhir_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fhir_tasks_referring_partner_id'))
        batch_op.drop_index(batch_op.f('ix_fhir_tasks_recipient_partner_id'))
        batch_op.drop_index(batch_op.f('ix_fhir_tasks_last_updated'))
    op.drop_table('fhir_tasks')
