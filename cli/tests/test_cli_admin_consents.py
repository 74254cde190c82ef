"""`cvihub admin consents` against a real registry."""

import httpx
import pytest
from cli_admin_helpers import Registry, admin, field, ok, row

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cli-admin")]


def test_consents_list_and_show(registry: Registry) -> None:
    ok(admin(registry, "partners", "create", "consent-hosp", "--name", "H", "--kind", "hospital"))
    ok(admin(registry, "partners", "create", "consent-cvi", "--name", "C", "--kind", "cvi_org"))
    ok(admin(registry, "grants", "create", "consent-hosp", "referrals", "publish"))
    api_key = ok(admin(registry, "keys", "issue", "consent-hosp")).strip().splitlines()[-1]
    body = {
        "recipient_partner_ids": ["consent-cvi"],
        "scope": ["contact"],
        "purpose": "referral",
        "given_at": "2026-01-01T00:00:00+00:00",
    }
    recorded = httpx.post(
        f"{registry.url}/v1/consents", json=body, headers={"Authorization": f"Bearer {api_key}"}
    )
    assert recorded.status_code == 201, recorded.text
    consent_id = recorded.json()["consent_id"]

    listed = row(ok(admin(registry, "consents", "list", "--custodian", "consent-hosp")), consent_id)
    assert "consent-cvi" in listed and "active" in listed
    assert consent_id not in ok(admin(registry, "consents", "list", "--custodian", "consent-cvi"))
    shown = ok(admin(registry, "consents", "show", consent_id))
    assert field(shown, "custodian_partner_id") == "consent-hosp"
    assert field(shown, "scope") == "contact"
    missing = admin(registry, "consents", "show", "no-such-consent")
    assert missing.exit_code == 1 and "consent" in missing.output.lower()
