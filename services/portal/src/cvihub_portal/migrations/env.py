"""Alembic environment of the portal."""

from alembic import context

from cvihub_portal.models import metadata
from cvihub_runtime.migrations import run_env

run_env(context, metadata)
