"""Alembic environment of the registry: migrate on the connection the runtime hands in."""

from alembic import context

from cvihub_registry.models import metadata
from cvihub_runtime.migrations import run_env

run_env(context, metadata)
