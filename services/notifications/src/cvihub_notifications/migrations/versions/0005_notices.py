"""Operational notices: a delivery given up, an endpoint disabled; mailed once each.

Revision ID: 0005
Revises: 0004
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('notices',
    sa.Column('notice_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('partner_id', sa.String(length=64), nullable=False),
    sa.Column('subscription_id', sa.String(length=64), nullable=False),
    sa.Column('delivery_id', sa.String(length=36), nullable=True),
    sa.Column('event_id', sa.String(length=64), nullable=True),
    sa.Column('event_type', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('partner_mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('admin_mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mail_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_mail_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mail_error', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('notice_id', name=op.f('pk_notices')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notices_dedupe_key'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_mail', ['next_mail_at'], unique=False)
        batch_op.create_index('ix_notices_partner', ['partner_id', 'created_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_partner')
        batch_op.drop_index('ix_notices_mail')
    op.drop_table('notices')
