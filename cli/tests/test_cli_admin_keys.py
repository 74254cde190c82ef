"""`cvihub admin keys` and `grants` against a real registry."""

import re

import pytest
from cli_admin_helpers import Registry, admin, field, ok, row

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cli-admin")]


def test_optional_terms_are_sent_only_when_given(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "mercy-er", "--name", "Mercy", "--kind", "hospital"))

    grant = ok(admin(registry, "grants", "create", "mercy-er", "referrals", "publish"))
    issued = ok(
        admin(registry, "keys", "issue", "mercy-er", "--expires-at", "2031-01-02T03:04:05Z")
    )

    assert field(grant, "zones") == ""
    assert field(grant, "field_view") == ""
    assert field(grant, "purpose") == ""
    assert "expires at:    2031-01-02T03:04:05Z" in issued


def test_keys_carry_scopes_through_issue_list_and_rotate(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "scoped-cvi", "--name", "Scoped", "--kind", "cvi_org"))

    issued = ok(
        admin(
            registry, "keys", "issue", "scoped-cvi",
            "--scope", "deliveries:read", "--scope", "referrals:read",
        )
    )  # fmt: skip
    credential_id = re.search(r"credential id: (\S+)", issued)
    assert credential_id, issued
    assert "scopes:        referrals:read deliveries:read" in issued
    listed = row(ok(admin(registry, "keys", "list", "scoped-cvi")), credential_id.group(1))
    assert "referrals:read, deliveries:read" in listed

    rotated = ok(admin(registry, "keys", "rotate", credential_id.group(1)))
    assert f"replaces {credential_id.group(1)}" in rotated
    assert "scopes:        referrals:read deliveries:read" in rotated  # kept
    narrowed = ok(
        admin(registry, "keys", "rotate", credential_id.group(1), "--scope", "deliveries:read")
    )
    assert "scopes:        deliveries:read\n" in narrowed

    unknown = admin(registry, "keys", "issue", "scoped-cvi", "--scope", "referrals:delete")
    assert unknown.exit_code == 1
    assert "(422)" in unknown.output
    assert "#/scopes/0" in unknown.output
