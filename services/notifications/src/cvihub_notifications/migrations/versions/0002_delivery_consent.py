"""A delivery stores the consent record it rests on (consent_id, consent_custodian_id).

Revision ID: 0002
Revises: 0001
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('consent_custodian_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('consent_custodian_id')
        batch_op.drop_column('consent_id')
