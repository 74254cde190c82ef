"""FHIR R4 Subscriptions (Backport, rest-hook, id-only) and their notifications.

Revision ID: 0006
Revises: 0005
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('fhir_subscriptions',
    sa.Column('subscription_id', sa.String(length=36), nullable=False),
    sa.Column('partner_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('owner_filter', sa.String(length=64), nullable=True),
    sa.Column('requester_filter', sa.String(length=64), nullable=True),
    sa.Column('endpoint', sa.String(length=2048), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('events_since_start', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subscription_id', name=op.f('pk_fhir_subscriptions'))
    )
    with op.batch_alter_table('fhir_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fhir_subscriptions_partner_id'), ['partner_id'], unique=False)
    op.create_table('fhir_notifications',
    sa.Column('notification_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('subscription_id', sa.String(length=36), nullable=False),
    sa.Column('event_number', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('notification_id', name=op.f('pk_fhir_notifications'))
    )
    with op.batch_alter_table('fhir_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fhir_notifications_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_fhir_notifications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_fhir_notifications_subscription_id'), ['subscription_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('fhir_notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fhir_notifications_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_fhir_notifications_status'))
        batch_op.drop_index(batch_op.f('ix_fhir_notifications_next_attempt_at'))
    op.drop_table('fhir_notifications')
    with op.batch_alter_table('fhir_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fhir_subscriptions_partner_id'))
    op.drop_table('fhir_subscriptions')
