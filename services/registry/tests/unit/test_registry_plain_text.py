"""Text from partners and people holds no control characters (a newline only where multi-line)."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from cvihub_registry.administrators.schemas import AdministratorCreate
from cvihub_registry.consents.schemas import ConsentCreate, ConsentWithdraw
from cvihub_registry.grants.schemas import GrantCreate
from cvihub_registry.partners.schemas import PartnerCreate, PartnerSelfUpdate, PartnerUpdate
from cvihub_registry.people.schemas import PersonCreate, SessionRequest
from cvihub_registry.schemas import control_character
from cvihub_registry.subscriptions.schemas import SubscriptionCreate

ESCAPES = ["\x1b]0;pwned\x07", "\x1b[2J", "a\x00b", "tab\there", "cr\r", "del\x7f", "nel\x85"]
"""Terminal escapes (retitle, clear), NUL, tab, CR, DEL and a C1 control: all category Cc."""

PARTNER = {"partner_id": "mercy-hospital", "name": "Mercy", "kind": "hospital"}
CONSENT = {
    "recipient_partner_ids": ["eastside-cvi"],
    "purpose": "referral",
    "given_at": "2026-01-02T03:04:05Z",
}
# (model, a valid body, the field to spoil, how to put text into it, multi-line?)
FIELDS: list[tuple[type[BaseModel], dict[str, Any], str, bool, bool]] = [
    (PartnerCreate, PARTNER, "name", False, False),
    (PartnerCreate, PARTNER, "contact_email", False, False),
    (PartnerCreate, PARTNER, "description", False, True),
    (PartnerCreate, PARTNER, "zones", True, False),
    (PartnerCreate, PARTNER, "beats", True, False),
    (PartnerCreate, PARTNER, "community_areas", True, False),
    (PartnerCreate, PARTNER, "services_offered", True, False),
    (PartnerCreate, PARTNER, "website", False, False),
    (PartnerUpdate, {}, "name", False, False),
    (PartnerSelfUpdate, {}, "contact_email", False, False),
    (PartnerSelfUpdate, {}, "description", False, True),
    (PartnerSelfUpdate, {}, "services_offered", True, False),
    (PartnerSelfUpdate, {}, "website", False, False),
    (
        GrantCreate,
        {"partner_id": "x-org", "stream": "referrals", "action": "subscribe"},
        "purpose",
        False,
        True,
    ),
    (
        GrantCreate,
        {"partner_id": "x-org", "stream": "referrals", "action": "subscribe"},
        "agreement_ref",
        False,
        False,
    ),
    (SubscriptionCreate, {"stream": "bulletins", "channel": "email"}, "email", False, False),
    (ConsentCreate, CONSENT, "purpose", False, False),
    (ConsentWithdraw, {}, "reason", False, True),
    (
        PersonCreate,
        {"email": "a@b.example", "display_name": "Jo", "role": "outreach_worker"},
        "display_name",
        False,
        False,
    ),
    (
        SessionRequest,
        {"email": "a@b.example", "code": "123456", "device_name": "phone"},
        "device_name",
        False,
        False,
    ),
    (
        AdministratorCreate,
        {"admin_id": "j.rivera", "name": "Jo", "role": "admin"},
        "name",
        False,
        False,
    ),
    (
        AdministratorCreate,
        {"admin_id": "j.rivera", "name": "Jo", "role": "admin"},
        "email",
        False,
        False,
    ),
]
TEXT = {
    "contact_email": "vip{}@mercy.example",
    "email": "vip{}@mercy.example",
    "website": "https://mercy.example/{}",
}


def _body(base: dict[str, Any], field: str, in_list: bool, text: str) -> dict[str, Any]:
    value = TEXT.get(field, "ok {} ok").format(text)
    return base | {field: [value] if in_list else value}


def test_control_character_finds_only_category_cc() -> None:
    assert control_character("Safe Streets — Mañana 🚑") is None
    assert control_character("a\x1b[2J") == 1
    assert control_character("two\nlines") == 3
    assert control_character("two\nlines", multiline=True) is None
    assert control_character("two\r\nlines", multiline=True) == 3  # only the newline itself


@pytest.mark.parametrize(("model", "base", "field", "in_list", "multiline"), FIELDS)
def test_every_free_text_field_refuses_control_characters(
    model: type[BaseModel], base: dict[str, Any], field: str, in_list: bool, multiline: bool
) -> None:
    model.model_validate(_body(base, field, in_list, "plain"))  # the body itself is valid
    for escape in ESCAPES:
        with pytest.raises(ValidationError) as refused:
            model.model_validate(_body(base, field, in_list, escape))
        [error] = refused.value.errors()
        assert error["loc"][0] == field  # the problem names the field
        assert error["type"] == "control_character"
    newline = _body(base, field, in_list, "\n")
    if multiline:
        model.model_validate(newline)
    else:
        with pytest.raises(ValidationError):
            model.model_validate(newline)
