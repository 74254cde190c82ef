"""`cvihub admin administrators` against a real registry."""

import pytest
from cli_admin_helpers import Registry, admin, field, ok, row

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cli-admin")]


def test_named_administrators_work_with_their_own_keys(registry: Registry) -> None:
    created = ok(
        admin(
            registry, "administrators", "create", "m.okafor", "--name", "Mo Okafor",
            "--role", "auditor", "--expires-in-days", "30",
        )
    )  # fmt: skip
    assert "administrator m.okafor (auditor)" in created
    auditor_key = created.strip().splitlines()[-1]
    assert auditor_key.startswith("cva_")
    assert field(ok(admin(registry, "administrators", "whoami", token=auditor_key)), "actor") == (
        "admin:m.okafor"
    )
    ok(admin(registry, "partners", "list", token=auditor_key))
    refused = admin(
        registry, "partners", "create", "nope-org", "--name", "Nope", "--kind", "cvi_org",
        token=auditor_key,
    )  # fmt: skip
    assert refused.exit_code == 1
    assert "auditor role may not" in refused.output

    ok(admin(registry, "administrators", "set-role", "m.okafor", "admin"))
    made = ok(
        admin(
            registry, "partners", "create", "okafor-org", "--name", "Okafor", "--kind", "cvi_org",
            token=auditor_key,
        )
    )  # fmt: skip
    assert field(made, "status") == "active"
    shown = ok(admin(registry, "administrators", "show", "m.okafor"))
    assert field(shown, "role") == "admin"
    assert auditor_key not in shown
    assert "m.okafor" in row(ok(admin(registry, "administrators", "list")), "m.okafor")
    assert "admin:m.okafor" in row(ok(admin(registry, "audit", "--limit", "5")), "okafor-org")

    ok(admin(registry, "administrators", "disable", "m.okafor"))
    assert admin(registry, "partners", "list", token=auditor_key).exit_code == 1
