"""Admin keys and roles: the key format, who may do what, and why a key is refused."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cvihub_registry.administrators.domain import (
    AdminCaller,
    AdminCredential,
    Administrator,
    AdminRole,
    AdminStatus,
    admin_credential_id_of,
    admin_key_matches,
    generate_admin_key,
)
from cvihub_registry.administrators.service import _refusal_reason
from cvihub_registry.keys.tokens import credential_id_of

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ADMIN = Administrator(
    admin_id="j.rivera",
    name="Jo Rivera",
    email=None,
    role=AdminRole.ADMIN,
    status=AdminStatus.ACTIVE,
    created_at=NOW,
    updated_at=NOW,
)
KEY = AdminCredential(
    credential_id="0123456789ab",
    admin_id="j.rivera",
    key_sha256="0" * 64,
    status="active",
    created_at=NOW,
    expires_at=NOW + timedelta(days=90),
    revoked_at=None,
    last_used_at=None,
)


def test_a_generated_key_names_its_id_and_matches_only_its_hash() -> None:
    new = generate_admin_key()
    assert admin_credential_id_of(new.api_key) == new.credential_id
    assert admin_key_matches(new.api_key, new.key_sha256)
    assert not admin_key_matches(new.api_key + "x", new.key_sha256)
    # An admin key is no partner key, and a partner key is no admin key.
    assert credential_id_of(new.api_key) is None
    assert admin_credential_id_of("cvh_0123456789ab_" + "x" * 43) is None
    assert admin_credential_id_of("cva_0123456789ab_short") is None


@pytest.mark.parametrize(
    ("method", "admin", "auditor"),
    [("GET", True, True), ("HEAD", True, True), ("POST", True, False), ("PATCH", True, False),
     ("DELETE", True, False), ("put", True, False)],
)  # fmt: skip
def test_auditors_only_read(method: str, admin: bool, auditor: bool) -> None:
    assert AdminCaller(actor="admin:a", role=AdminRole.ADMIN).may(method) is admin
    assert AdminCaller(actor="admin:b", role=AdminRole.AUDITOR).may(method) is auditor


def test_refusal_reasons() -> None:
    assert _refusal_reason(KEY, ADMIN, NOW) is None
    assert _refusal_reason(replace(KEY, status="revoked"), ADMIN, NOW) == "revoked-key"
    expired = replace(KEY, expires_at=NOW - timedelta(seconds=1))
    assert _refusal_reason(expired, ADMIN, NOW) == "expired-key"
    assert _refusal_reason(replace(KEY, expires_at=NOW), ADMIN, NOW) == "expired-key"
    disabled = replace(ADMIN, status=AdminStatus.DISABLED)
    assert _refusal_reason(KEY, disabled, NOW) == "administrator-disabled"
    assert _refusal_reason(KEY, None, NOW) == "administrator-disabled"
    assert ADMIN.actor == "admin:j.rivera"
