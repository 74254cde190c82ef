"""The scope vocabulary and how a scope list is read."""

import pytest
from pydantic import ValidationError

from cvihub_contracts import ALL_SCOPES, Scope, parse_scopes
from cvihub_contracts.registry.changes_v1 import CredentialChangedV1
from cvihub_contracts.scopes import sorted_scopes


def test_no_scope_list_means_every_scope() -> None:
    assert parse_scopes(None) == ALL_SCOPES
    assert len(ALL_SCOPES) == 10


def test_known_names_parse_to_scopes() -> None:
    assert parse_scopes(["referrals:read", "alerts:publish"]) == {
        Scope.REFERRALS_READ,
        Scope.ALERTS_PUBLISH,
    }


def test_an_unknown_name_is_refused_and_named() -> None:
    with pytest.raises(ValueError, match="referrals:delete"):
        parse_scopes(["referrals:read", "referrals:delete"])


def test_an_empty_list_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one scope"):
        parse_scopes([])


def test_sorted_scopes_follow_the_vocabulary_and_drop_repeats() -> None:
    chosen = [Scope.PROFILE_MANAGE, Scope.REFERRALS_SUBMIT, Scope.PROFILE_MANAGE]
    assert sorted_scopes(chosen) == [Scope.REFERRALS_SUBMIT, Scope.PROFILE_MANAGE]


def _credential(**extra: object) -> dict[str, object]:
    return {
        "sequence": 1,
        "changed_at": "2026-11-01T00:00:00Z",
        "status": "active",
        "credential_id": "abc123",
        "partner_id": "mercy",
        "key_sha256": "0" * 64,
        **extra,
    }


def test_a_revision_0_credential_event_reads_as_every_scope() -> None:
    event = CredentialChangedV1.model_validate(_credential())
    assert event.scopes is None
    assert CredentialChangedV1.schema_revision == 1


def test_a_credential_event_carries_its_scopes_and_refuses_unknown_ones() -> None:
    event = CredentialChangedV1.model_validate(_credential(scopes=["deliveries:read"]))
    assert event.scopes == [Scope.DELIVERIES_READ]
    with pytest.raises(ValidationError):
        CredentialChangedV1.model_validate(_credential(scopes=["deliveries:delete"]))
