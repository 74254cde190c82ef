"""Alembic environment of the intake service; migrations run through cvihub_runtime."""

from alembic import context

from cvihub_intake.models import metadata
from cvihub_runtime.migrations import run_env

run_env(context, metadata)
