"""Ordered deliveries per endpoint (ordering_key), disabled endpoints, previous signing secrets.

Revision ID: 0003
Revises: 0002
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ordering_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_deliveries_order', ['subscription_id', 'ordering_key', 'status', 'created_at'], unique=False)
        batch_op.create_index('ix_deliveries_endpoint', ['subscription_id', 'status', 'created_at'], unique=False)
    op.create_table('endpoint_states',
    sa.Column('subscription_id', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.String(length=64), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_reason', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subscription_id', name=op.f('pk_endpoint_states'))
    )
    op.create_table('previous_secrets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subscription_id', sa.String(length=64), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_previous_secrets'))
    )
    with op.batch_alter_table('previous_secrets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_previous_secrets_subscription_id'), ['subscription_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('previous_secrets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_previous_secrets_subscription_id'))
    op.drop_table('previous_secrets')
    op.drop_table('endpoint_states')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_endpoint')
        batch_op.drop_index('ix_deliveries_order')
        batch_op.drop_column('ordering_key')
