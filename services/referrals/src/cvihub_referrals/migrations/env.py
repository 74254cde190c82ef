"""Alembic environment of the referrals service."""

from alembic import context

from cvihub_referrals.models import metadata
from cvihub_runtime.migrations import run_env

run_env(context, metadata)
