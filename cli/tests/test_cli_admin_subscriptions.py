"""`cvihub admin subscriptions` against a real registry."""

import pytest
from cli_admin_helpers import Registry, admin, field, ok, row

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cli-admin")]


def test_an_sms_subscription_takes_a_phone_number(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "sms-cvi", "--name", "SMS", "--kind", "cvi_org"))
    ok(admin(registry, "grants", "create", "sms-cvi", "incident-alerts", "subscribe"))

    added = ok(
        admin(
            registry, "subscriptions", "add", "sms-cvi", "incident-alerts",
            "--channel", "sms", "--phone", "+15551234567", "--zone", "north",
        )
    )  # fmt: skip
    subscription_id = field(added, "subscription_id")
    assert field(added, "channel") == "sms"
    assert field(added, "url") == "sms:+15551234567"
    assert "signing secret" not in added  # only webhooks have one
    listed = row(ok(admin(registry, "subscriptions", "list", "--partner", "sms-cvi")), "sms-cvi")
    assert subscription_id in listed and "sms" in listed

    bad = admin(
        registry, "subscriptions", "add", "sms-cvi", "incident-alerts",
        "--channel", "sms", "--phone", "555-0100",
    )  # fmt: skip
    assert bad.exit_code == 1
    assert "(422)" in bad.output
    assert "#/phone: " in bad.output
    assert "555-0100" not in bad.output  # the API does not echo the number back
