"""The registry copy that intake, referrals and notifications keep, and the access rules they
decide by: who an API key speaks for, which grants are in force, what a consent covers, and how
a refusal is recorded for the registry's audit chain.

Its tables live in each consuming service's own database; MIGRATIONS is the Alembic branch
(`registry_copy`) that each of them applies beside its own revisions."""

from pathlib import Path

from cvihub_registry_copy.changes import REGISTRY_EVENT_TYPES
from cvihub_registry_copy.consents import ConsentRecord
from cvihub_registry_copy.grants import GrantTerms, Subscriber, in_force
from cvihub_registry_copy.principals import (
    API_KEY_PREFIX,
    Principal,
    credential_id_of,
    hash_api_key,
    principal_scopes,
)
from cvihub_registry_copy.store import RegistryCopy

MIGRATIONS = Path(__file__).parent / "migrations"
"""The versions folder of the registry copy's Alembic branch."""

__all__ = [
    "API_KEY_PREFIX",
    "MIGRATIONS",
    "REGISTRY_EVENT_TYPES",
    "ConsentRecord",
    "GrantTerms",
    "Principal",
    "RegistryCopy",
    "Subscriber",
    "credential_id_of",
    "hash_api_key",
    "in_force",
    "principal_scopes",
]
