"""Every service's OpenAPI states the rules across fields its bodies are checked by: in JSON
Schema where it can say them, in words always."""

from typing import Any

import pytest

from cvihub_docs.specs import ServiceSpecs, service_specs

# (service, schema, the rule's words, the field whose description states a period's order)
RULES: list[tuple[str, str, str, str | None]] = [
    ("intake", "Consent", "expires_at, when set with consented_at, is after", "expires_at"),
    ("intake", "BulletinSubmission", "ends_at, when set with starts_at, is at or after", "ends_at"),
    ("intake", "BulletinSubmission", "starts_at is required when kind is event", None),
    ("intake", "Location", "latitude and longitude go together", None),
    ("intake", "Location", "At least one of coordinates", None),
    ("intake", "ReplayRequest", "until, when set with since, is after since", "until"),
    ("registry", "ConsentCreate", "expires_at, when set with given_at, is after", "expires_at"),
    ("registry", "GrantCreate", "expires_at, when set with starts_at, is after", "expires_at"),
]


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    """Each service's OpenAPI schemas by name."""
    specs: list[ServiceSpecs] = service_specs()
    return {spec.name: spec.openapi["components"]["schemas"] for spec in specs}


@pytest.mark.parametrize(("service", "schema", "words", "field"), RULES)
def test_the_openapi_states_the_rule(
    documents: dict[str, dict[str, Any]], service: str, schema: str, words: str, field: str | None
) -> None:
    component = documents[service][schema]
    assert words in component["description"]
    if field is not None:
        assert words in component["properties"][field]["description"]


def test_what_json_schema_can_say_is_in_the_schema(
    documents: dict[str, dict[str, Any]],
) -> None:
    location = documents["intake"]["Location"]["allOf"]
    together = location[0]["allOf"][0]
    assert together["if"]["required"] == ["latitude"]
    assert together["then"]["required"] == ["longitude"]
    assert {"required": ["zone"], "properties": {"zone": {"not": {"type": "null"}}}} in (
        location[1]["anyOf"]
    )
    [event] = documents["intake"]["BulletinSubmission"]["allOf"]
    assert event["if"]["properties"]["kind"] == {"const": "event"}
    assert event["then"]["required"] == ["starts_at"]
