"""Every field is classified, and redaction honours the classification."""

from pydantic import BaseModel

from cvihub_contracts import Classification
from cvihub_contracts.catalog import EVENT_MODELS
from cvihub_contracts.envelope import nested_model
from cvihub_contracts.examples import incident_alert, referral_submitted
from cvihub_contracts.redaction import field_classification, redact


def _unclassified(model: type[BaseModel], prefix: str = "") -> list[str]:
    missing: list[str] = []
    for name, info in model.model_fields.items():
        nested = nested_model(info.annotation)
        if field_classification(model, name) is not None:
            continue
        if nested is not None:
            missing += _unclassified(nested, f"{prefix}{name}.")
        else:
            missing.append(f"{prefix}{name}")
    return missing


def test_every_leaf_field_of_every_event_is_classified() -> None:
    missing = {model.event_type: _unclassified(model) for model in EVENT_MODELS}

    assert {k: v for k, v in missing.items() if v} == {}


def test_public_view_of_a_referral_drops_identity_and_health() -> None:
    redacted = redact(
        referral_submitted(), frozenset({Classification.PUBLIC, Classification.INTERNAL})
    )

    assert "given_name" not in redacted.data["patient"]
    assert "phone" not in redacted.data["patient"]
    assert "mechanism" not in redacted.data["injury"]
    assert "reason" not in redacted.data
    assert "#/patient/given_name" in redacted.removed
    assert redacted.data["recipient_partner_id"] == "safe-streets"


def test_alert_without_cji_keeps_where_and_what() -> None:
    allowed = frozenset({Classification.PUBLIC, Classification.INTERNAL})

    redacted = redact(incident_alert(), allowed)

    assert "source_incident_id" not in redacted.data
    assert "weapon_type" not in redacted.data
    assert redacted.data["incident_type"] == "shooting"
    assert redacted.data["location"]["zone"] == "north"
    assert sorted(redacted.removed) == ["#/source_incident_id", "#/weapon_type"]


def test_full_view_removes_nothing() -> None:
    everything = frozenset(Classification)

    assert redact(incident_alert(), everything).removed == []


def test_nested_lists_are_redacted_item_by_item() -> None:
    from cvihub_contracts.examples import incident_alert_v2

    redacted = redact(incident_alert_v2(), frozenset({Classification.PUBLIC}))

    assert redacted.data["victims"] == [{"severity": "serious"}]
    assert "#/victims/0/age_group" in redacted.removed
