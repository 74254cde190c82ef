"""Alembic environment: migrations run through cvihub_runtime.migrations.upgrade."""

from alembic import context

from cvihub_notifications.models import metadata
from cvihub_runtime.migrations import run_env

run_env(context, metadata)
