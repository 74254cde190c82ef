"""Task.output: contact attempts and services delivered, from referrals' status events.

Revision ID: 0005
Revises: 0004
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('fhir_task_outputs',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('service_type', sa.String(length=64), nullable=True),
    sa.Column('service_date', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_fhir_task_outputs'))
    )
    with op.batch_alter_table('fhir_task_outputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fhir_task_outputs_referral_id'), ['referral_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('fhir_task_outputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fhir_task_outputs_referral_id'))
    op.drop_table('fhir_task_outputs')
